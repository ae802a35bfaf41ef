import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { Registry } from './registry';

describe('Class: Registry', () => {
  describe('durability', () => {
    it('keeps every acknowledged thing, certificate and attachment when the process is killed with SIGKILL', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pp-registry-kill-'));
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, '../../test/support/local/registry-writer.ts'), dir],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const acked: number[] = [];
      let buf = '';
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          const lines = buf.split('\n');
          buf = lines.pop() ?? '';
          acked.push(...lines.map(Number));
          if (acked.length >= 150) resolve();
        });
      });
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));

      const registry = Registry.open(dir, { region: 'us-east-1', logger: silentLogger() });
      try {
        const lost = acked.filter((n) => {
          const id = createHash('sha256').update(`cert-${n}`).digest('hex');
          const arn = registry.certificateArn(id);
          return (
            registry.getThing(`kill-${n}`) === undefined ||
            registry.getCertificate(id)?.status !== 'ACTIVE' ||
            !registry.thingsForPrincipal(arn).includes(`kill-${n}`) ||
            registry.policiesForPrincipal(arn).length !== 1
          );
        });
        expect(lost).toEqual([]);
        expect(acked.length).toBeGreaterThanOrEqual(150);
      } finally {
        registry.close();
      }
    });
  });
});
