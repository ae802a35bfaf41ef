/**
 * A segment rotation while an fsync is in flight (seen under sustained load in the Lambda
 * queue of `pulsepet up`, bench/fleet-scale.ts at 10,000 devices): the fsync's callback
 * must not start another fsync on the closed file (fsync(-1) threw ERR_OUT_OF_RANGE from
 * a callback and killed the process), and its waiters are durable: the rotation fsynced
 * the file before closing it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';

const held: Array<() => void> = [];
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  // fsync completes only when the test releases it, so it can be in flight across a rotation
  // (a bad descriptor throws at once, as the real one does)
  const fsync = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => (fd < 0 ? fs.fsync(fd, cb) : held.push(() => fs.fsync(fd, cb)));
  return { ...fs, fsync, default: { ...fs, fsync } };
});

const { RecordLog } = await import('./record-log');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tick = () => new Promise((r) => setImmediate(r));

/** Waits for `p`, completing every fsync held meanwhile (a loaded machine may need more than one tick for a write). */
async function settle(p: Promise<void>): Promise<void> {
  let done = false;
  const watched = p.then(() => {
    done = true;
  });
  for (let i = 0; i < 10_000 && !done; i++) {
    for (const r of held.splice(0)) r();
    await tick();
  }
  await watched;
}

it('resolves the waiters of an fsync that a segment rotation overtook, without touching the closed file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-reclog-rot-'));
  dirs.push(dir);
  const { log } = RecordLog.open(dir, { fsync: { kind: 'always' }, segmentBytes: 256 });
  log.append('E', { id: 'a' }, [Buffer.alloc(40)]);
  const first = log.durable();
  await tick(); // written; its fsync is in flight (held)
  expect(held).toHaveLength(1);
  log.append('E', { id: 'b' }, [Buffer.alloc(40)]);
  const second = log.durable();
  await tick(); // written to the same file; waits for the next fsync
  log.append('E', { id: 'c' }, [Buffer.alloc(200)]); // over 256 bytes: fsync + close, next segment
  const release = held.shift() as () => void;
  release(); // the held fsync completes before the next write opens the new file
  await expect(settle(first)).resolves.toBeUndefined();
  await expect(settle(second)).resolves.toBeUndefined();
  await expect(settle(log.durable())).resolves.toBeUndefined();
  log.close();
  const { records } = RecordLog.open(dir, { fsync: { kind: 'always' } });
  expect(records.map((r) => r.header.id)).toEqual(['a', 'b', 'c']);
});
