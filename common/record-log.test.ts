import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordLog, RecordLogFullError, UNAWAITED_SYNC_MS } from './record-log';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'pp-reclog-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const always = { kind: 'always' } as const;
const segments = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.log')).sort();

describe('Class: RecordLog', () => {
  it('replays every record in order with its header, and reads its blobs back byte for byte', async () => {
    const dir = tmp();
    const { log } = RecordLog.open(dir, { fsync: always });
    const binary = Buffer.from([0, 10, 13, 255, 34]);
    const a = log.append('E', { id: 'a', n: 1 }, [Buffer.from('{"x":"\\n"}'), binary]);
    log.append('U', { id: 'a', attempts: 2 });
    log.append('E', { id: 'b' }, [Buffer.alloc(0)]);
    await log.durable();
    expect(log.readBlobs(a)).toEqual([Buffer.from('{"x":"\\n"}'), binary]);
    log.close();
    const { log: again, records } = RecordLog.open(dir, { fsync: always });
    expect(records.map((r) => [r.type, r.header])).toEqual([
      ['E', { id: 'a', n: 1 }],
      ['U', { id: 'a', attempts: 2 }],
      ['E', { id: 'b' }],
    ]);
    expect(again.readBlobs(records[0]!.ref)[1]).toEqual(binary);
    again.close();
  });

  it('cuts a torn last record (a crash mid-append) and keeps appending after it', async () => {
    const dir = tmp();
    const { log } = RecordLog.open(dir, { fsync: always });
    log.append('E', { id: 'kept' }, [Buffer.from('1')]);
    await log.durable();
    log.close();
    const seg = join(dir, segments(dir)[0]!);
    const good = statSync(seg).size;
    appendFileSync(seg, Buffer.from([40, 0, 0, 0, 1, 2, 3, 4, 69, 0])); // a frame that promises 40 bytes and stops
    const { log: again, records } = RecordLog.open(dir, { fsync: always });
    expect(records.map((r) => r.header.id)).toEqual(['kept']);
    expect(statSync(seg).size).toBe(good);
    again.append('E', { id: 'next' });
    again.close();
    expect(RecordLog.open(dir, { fsync: always }).records.map((r) => r.header.id)).toEqual(['kept', 'next']);
  });

  it('refuses to open over a corrupt record in an older segment, naming the file', async () => {
    const dir = tmp();
    const { log } = RecordLog.open(dir, { fsync: always, segmentBytes: 64 });
    for (let i = 0; i < 4; i++) log.append('E', { id: `r${i}` }, [Buffer.alloc(40, 1)]);
    await log.durable();
    log.close();
    const first = join(dir, segments(dir)[0]!);
    writeFileSync(first, Buffer.alloc(statSync(first).size, 7));
    expect(() => RecordLog.open(dir, { fsync: always })).toThrow(/corrupt record log segment .*seg-0000000000000000\.log/);
  });

  it('deletes a segment once it and every older one hold no live entry', async () => {
    const dir = tmp();
    const { log } = RecordLog.open(dir, { fsync: always, segmentBytes: 100 });
    const refs = [0, 1, 2, 3].map((i) => log.append('E', { id: i }, [Buffer.alloc(80)]));
    await log.durable();
    expect(segments(dir)).toHaveLength(4);
    log.retire(refs[1]!);
    expect(segments(dir)).toHaveLength(4); // the head still holds entry 0
    log.retire(refs[0]!);
    expect(segments(dir)).toHaveLength(2);
    log.close();
  });

  it('refuses a bounded append past maxBytes without writing it, and accepts it again once space is freed', async () => {
    const dir = tmp();
    const { log } = RecordLog.open(dir, { fsync: always, segmentBytes: 200, maxBytes: 520 });
    const refs = [0, 1, 2].map((i) => log.append('E', { id: i }, [Buffer.alloc(120)], true));
    await log.durable();
    expect(() => log.append('E', { id: 3 }, [Buffer.alloc(120)], true)).toThrow(RecordLogFullError);
    log.append('D', { id: 0 });
    log.retire(refs[0]!);
    expect(() => log.append('E', { id: 3 }, [Buffer.alloc(120)], true)).not.toThrow();
    log.close();
    expect(RecordLog.open(dir, { fsync: always }).records.filter((r) => r.type === 'E').map((r) => r.header.id)).toEqual([1, 2, 3]);
  });

  it('fsyncs records nobody awaits once within UNAWAITED_SYNC_MS instead of once per commit', async () => {
    const dir = tmp();
    const { log } = RecordLog.open(dir, { fsync: always });
    log.append('E', { id: 'a' }, [Buffer.from('x')]);
    await log.durable();
    expect(log.syncStats.syncs).toBe(1);
    for (let i = 0; i < 10; i++) {
      log.append('U', { id: 'a', attempts: i });
      await new Promise((r) => setImmediate(r));
    }
    // ten commits were written, none fsynced yet
    expect(log.syncStats.syncs).toBe(1);
    expect(RecordLog.open(dir, { fsync: { kind: 'never' } }).records).toHaveLength(11);
    const t0 = Date.now();
    await expect.poll(() => log.syncStats.syncs, { timeout: UNAWAITED_SYNC_MS * 3, interval: 20 }).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(UNAWAITED_SYNC_MS - 100);
    log.close();
  });

  it('fsyncs unawaited records at once with the next awaited append, and not again later', async () => {
    const dir = tmp();
    const { log } = RecordLog.open(dir, { fsync: always });
    log.append('D', { id: 'a' });
    await new Promise((r) => setImmediate(r));
    expect(log.syncStats.syncs).toBe(0);
    log.append('E', { id: 'b' }, [Buffer.from('y')]);
    const t0 = Date.now();
    await log.durable();
    expect(Date.now() - t0).toBeLessThan(UNAWAITED_SYNC_MS / 2);
    expect(log.syncStats.syncs).toBe(1);
    await new Promise((r) => setTimeout(r, UNAWAITED_SYNC_MS + 200));
    expect(log.syncStats.syncs).toBe(1);
    log.close();
  });

  it('resolves durable() at once by an fsync when only unawaited records are unsynced', async () => {
    const dir = tmp();
    const { log } = RecordLog.open(dir, { fsync: always });
    log.append('D', { id: 'a' });
    await new Promise((r) => setImmediate(r));
    const t0 = Date.now();
    await log.durable();
    expect(Date.now() - t0).toBeLessThan(UNAWAITED_SYNC_MS / 2);
    expect(log.syncStats.syncs).toBe(1);
    log.close();
  });

  it('replays exactly what was appended, for any sequence of records and segment sizes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('E', 'U', 'D'), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer()), fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 3 })), { maxLength: 40 }),
        fc.integer({ min: 50, max: 2000 }),
        (recs, segmentBytes) => {
          const dir = tmp();
          const { log } = RecordLog.open(dir, { fsync: { kind: 'never' }, segmentBytes });
          const refs = recs.map(([t, h, b]) => log.append(t, h, b.map((x) => Buffer.from(x))));
          log.close();
          const { log: again, records } = RecordLog.open(dir, { fsync: { kind: 'never' } });
          expect(records.map((r) => [r.type, r.header])).toEqual(recs.map(([t, h]) => [t, JSON.parse(JSON.stringify(h))]));
          for (const [i, r] of records.entries()) expect(again.readBlobs(r.ref)).toEqual(recs[i]![2].map((x) => Buffer.from(x)));
          expect(records.map((r) => r.ref)).toEqual(refs);
          again.close();
          rmSync(dir, { recursive: true, force: true });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('loses no record whose append was durable when the process is killed with SIGKILL', async () => {
    const dir = tmp();
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../test/support/common/record-log-writer.ts'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let acked = -1;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        const lines = d.toString().trim().split('\n');
        acked = Number(lines[lines.length - 1]);
        if (acked >= 300) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => child.once('exit', r));
    const { log, records } = RecordLog.open(dir, { fsync: always });
    const ids = records.map((r) => Number(r.header.id));
    for (let i = 0; i <= acked; i++) expect(ids).toContain(i);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    log.close();
  });
});
