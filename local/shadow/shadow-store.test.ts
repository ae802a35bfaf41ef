import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShadowStore } from './shadow-store';

describe('Class: ShadowStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-shadow-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a tombstone version after remove and survives reopening', async () => {
    const s = ShadowStore.open(dir);
    await s.put('t', 'pet', { state: { reported: { a: 1 } }, metadata: {}, version: 4, timestamp: 1 });
    await s.remove('t', 'pet', 4, 1000);
    s.close();
    const again = ShadowStore.open(dir);
    expect(again.get('t', 'pet')).toBeUndefined();
    expect(again.baseVersion('t', 'pet', 2000)).toBe(4);
    expect(again.namedShadows('t')).toEqual([]);
    again.close();
  });

  it('acknowledges after write(2) with an fsync every second by default; the policy can be set', () => {
    const s = ShadowStore.open(dir);
    expect(s.fsync).toEqual({ kind: 'interval', ms: 1000 });
    s.close();
    const always = ShadowStore.open(dir, { fsync: { kind: 'always' } });
    expect(always.fsync).toEqual({ kind: 'always' });
    always.close();
  });

  it('loses no acknowledged update when the process is killed with SIGKILL', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../test/support/local/shadow/crash-child.ts'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let lastVersion = 0;
    let lastN = -1;
    let buf = '';
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('child produced too few acks')), 20_000);
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) {
          const [, v, n] = l.split(' ');
          lastVersion = Number(v);
          lastN = Number(n);
        }
        if (lastVersion >= 300) {
          clearTimeout(deadline);
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('error', reject);
    });
    await new Promise((r) => child.once('exit', r));
    const s = ShadowStore.open(dir);
    const shadow = s.get('crash-thing', 'pet');
    if (!shadow) throw new Error('shadow lost after SIGKILL');
    expect(shadow.version).toBeGreaterThanOrEqual(lastVersion);
    expect((shadow.state.reported as { n: number }).n).toBeGreaterThanOrEqual(lastN);
    s.close();
  });
});
