/**
 * DurableMap under each fsync policy: when a change's promise resolves relative to
 * write(2) and fsync(2), observed by counting the fsyncs the map submits.
 */
import * as fs from 'node:fs';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DurableMap } from './journal';

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, fsync: vi.fn(actual.fsync) };
});

const fsync = vi.mocked(fs.fsync);

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'pp-journal-policy-'));
}

const tick = () => new Promise((r) => setImmediate(r));

/** fsync(2) calls submitted so far on this map's journal */
function journalFsyncs(): number {
  return fsync.mock.calls.length;
}

describe('Class: DurableMap fsync policies', () => {
  beforeEach(() => {
    fsync.mockClear();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('always: a change resolves only after an fsync covering it completed', async () => {
    const m = DurableMap.open<number>(tmp(), 'm');
    let synced = 0;
    fsync.mockImplementationOnce((fd, cb) =>
      fs.fdatasync(fd, (e) => {
        synced++;
        cb(e);
      }),
    );
    await m.set('a', 1);
    expect(synced).toBe(1);
    m.close();
  });

  it('interval: a change resolves once written, with no fsync, and the journal holds it at once', async () => {
    const dir = tmp();
    const m = DurableMap.open<number>(dir, 'm', { fsync: { kind: 'interval', ms: 60_000 } });
    await Promise.all([m.set('a', 1), m.set('b', 2)]);
    await m.delete('a');
    expect(journalFsyncs()).toBe(0);
    // in the page cache: another reader (e.g. the process after kill -9) sees it
    expect(readFileSync(join(dir, 'm.journal'), 'utf8').trim().split('\n')).toEqual([
      '{"k":"a","v":1}',
      '{"k":"b","v":2}',
      '{"k":"a","d":1}',
    ]);
    m.close();
  });

  it('interval: fsyncs unsynced changes every MS, and not while nothing changed', async () => {
    const m = DurableMap.open<number>(tmp(), 'm', { fsync: { kind: 'interval', ms: 40 } });
    await m.set('a', 1);
    expect(journalFsyncs()).toBe(0);
    await vi.waitFor(() => expect(journalFsyncs()).toBe(1), { timeout: 2000, interval: 5 });
    // nothing written since: the timer keeps quiet
    await new Promise((r) => setTimeout(r, 150));
    expect(journalFsyncs()).toBe(1);
    await m.set('b', 2);
    await vi.waitFor(() => expect(journalFsyncs()).toBe(2), { timeout: 2000, interval: 5 });
    m.close();
  });

  it('interval and never: flush() waits for an fsync of everything written', async () => {
    for (const policy of [{ kind: 'interval', ms: 60_000 }, { kind: 'never' }] as const) {
      fsync.mockClear();
      const m = DurableMap.open<number>(tmp(), 'm', { fsync: policy });
      await m.set('a', 1);
      let synced = false;
      fsync.mockImplementationOnce((fd, cb) =>
        fs.fdatasync(fd, (e) => {
          synced = true;
          cb(e);
        }),
      );
      void m.set('b', 2);
      await m.flush();
      expect(synced).toBe(true);
      expect(journalFsyncs()).toBe(1);
      // nothing unsynced: no second fsync
      await m.flush();
      expect(journalFsyncs()).toBe(1);
      m.close();
    }
  });

  it('interval: writes do not wait for an fsync in flight', async () => {
    const m = DurableMap.open<number>(tmp(), 'm', { fsync: { kind: 'interval', ms: 60_000 } });
    await m.set('a', 1);
    // an fsync that does not complete until released
    let release: (() => void) | undefined;
    fsync.mockImplementationOnce((_fd, cb) => {
      release = () => cb(null);
    });
    const flushed = m.flush();
    await tick();
    expect(release).toBeDefined();
    await m.set('b', 2); // resolves while that fsync is still in flight
    release?.();
    await flushed;
    // `b` was written after the first fsync started: a second flush syncs it
    await m.flush();
    expect(journalFsyncs()).toBe(2);
    m.close();
  });

  it('interval: a failed fsync rejects flush() with PP_ERR_STORE and the next flush retries it', async () => {
    const dir = tmp();
    const m = DurableMap.open<number>(dir, 'm', { fsync: { kind: 'interval', ms: 60_000 } });
    await m.set('a', 1);
    fsync.mockImplementationOnce((_fd, cb) => cb(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })));
    await expect(m.flush()).rejects.toMatchObject({ code: 'PP_ERR_STORE' });
    await m.flush();
    expect(journalFsyncs()).toBe(2);
    m.close();
    const again = DurableMap.open<number>(dir, 'm');
    expect(again.get('a')).toBe(1);
    again.close();
  });

  it('interval: compaction fsyncs the rotated journal and keeps every change', async () => {
    const dir = tmp();
    const m = DurableMap.open<number>(dir, 'm', { fsync: { kind: 'interval', ms: 60_000 }, compactEvery: 50 });
    for (let i = 0; i < 120; i++) await m.set(`k${i % 30}`, i);
    // no flush and a 60 s interval: the only fsyncs are of journals a background compaction rotated away
    await vi.waitFor(() => expect(journalFsyncs()).toBeGreaterThanOrEqual(1), { timeout: 2000, interval: 5 });
    await vi.waitFor(() => expect(existsSync(join(dir, 'm.snapshot.json'))).toBe(true), { timeout: 2000, interval: 5 });
    m.close();
    const again = DurableMap.open<number>(dir, 'm');
    expect(again.size).toBe(30);
    expect(again.get('k29')).toBe(119);
    expect(again.get('k0')).toBe(90);
    again.close();
  });

  it('interval: flush() also waits for the fsync of a journal a compaction rotated away', async () => {
    const m = DurableMap.open<number>(tmp(), 'm', { fsync: { kind: 'interval', ms: 60_000 }, compactEvery: 5 });
    let release: (() => void) | undefined;
    fsync.mockImplementationOnce((fd, cb) => {
      release = () => fs.fdatasync(fd, cb);
    });
    // the fifth change reaches compactEvery: the journal is rotated with unsynced lines
    for (let i = 0; i < 5; i++) await m.set(`k${i}`, i);
    expect(release).toBeDefined();
    let flushed = false;
    const f = m.flush().then(() => {
      flushed = true;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(flushed).toBe(false);
    release?.();
    await f;
    expect(flushed).toBe(true);
    m.close();
  });

  it('close() makes unsynced changes durable under every policy and stops the interval timer', async () => {
    for (const policy of [{ kind: 'interval', ms: 10 }, { kind: 'never' }] as const) {
      const dir = tmp();
      const m = DurableMap.open<number>(dir, 'm', { fsync: policy });
      const pending = m.set('a', 1);
      m.close();
      await pending;
      fsync.mockClear();
      await new Promise((r) => setTimeout(r, 40));
      expect(journalFsyncs()).toBe(0);
      const again = DurableMap.open<number>(dir, 'm');
      expect(again.get('a')).toBe(1);
      again.close();
    }
  });
});
