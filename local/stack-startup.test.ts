import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../common/dir-lock';
import { DirUnusableError, PortUnavailableError } from '../common/startup-errors';
import { DATA_DIR_FORMAT, FORMAT_FILE } from './data-dir-format';
import { startLocalStack } from './stack';

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'pp-stack-start-')), 'state');

describe('Function: startLocalStack (start-up)', () => {
  it('holds the data dir while it runs: a second start is refused, and the lock goes with close()', async () => {
    const dataDir = tmp();
    const stack = await startLocalStack({ dataDir, tuneGc: false });
    try {
      expect(JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
      const second = await startLocalStack({ dataDir, tuneGc: false }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(second).toBeInstanceOf(DirUnusableError);
      expect(second).toMatchObject({ problem: 'locked', info: { pid: process.pid } });
    } finally {
      await stack.close();
    }
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });

  it('marks a new data dir with the current format, and marks a dir from before markers without refusing it', async () => {
    const dataDir = tmp();
    await (await startLocalStack({ dataDir, tuneGc: false })).close();
    const marker = JSON.parse(readFileSync(join(dataDir, FORMAT_FILE), 'utf8'));
    expect(marker).toMatchObject({ format: DATA_DIR_FORMAT, writtenBy: expect.stringMatching(/^pulsepet \d/) });
    rmSync(join(dataDir, FORMAT_FILE));
    await (await startLocalStack({ dataDir, tuneGc: false })).close();
    expect(JSON.parse(readFileSync(join(dataDir, FORMAT_FILE), 'utf8'))).toEqual(marker);
  });

  it('releases the data dir after a failed start, so the next start succeeds', async () => {
    const dataDir = tmp();
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as { port: number }).port;
    const failed = await startLocalStack({ dataDir, httpPort: port, tuneGc: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    holder.close();
    expect(failed).toBeInstanceOf(PortUnavailableError);
    expect(failed).toMatchObject({ problem: 'in-use', spec: { option: 'httpPort', port } });
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    await (await startLocalStack({ dataDir, tuneGc: false })).close();
  });
});
