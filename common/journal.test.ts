import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DurableMap } from './journal';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'pp-journal-'));
}

describe('Class: DurableMap', () => {
  it('keeps sets and deletes across close and reopen', async () => {
    const dir = tmp();
    const a = DurableMap.open<number>(dir, 'm');
    await Promise.all([a.set('x', 1), a.set('y', 2), a.set('z', 3)]);
    await a.delete('y');
    a.close();
    const b = DurableMap.open<number>(dir, 'm');
    expect([...b.entries()]).toEqual([
      ['x', 1],
      ['z', 3],
    ]);
    b.close();
  });

  it('keeps everything through compaction', async () => {
    const dir = tmp();
    const a = DurableMap.open<number>(dir, 'm', { compactEvery: 10 });
    for (let i = 0; i < 55; i++) await a.set(`k${i % 20}`, i);
    a.close();
    const b = DurableMap.open<number>(dir, 'm');
    expect(b.size).toBe(20);
    expect(b.get('k14')).toBe(54);
    b.close();
  });

  it('ignores a torn last line and keeps appending cleanly after it', async () => {
    const dir = tmp();
    const a = DurableMap.open<number>(dir, 'm');
    await a.set('ok', 1);
    a.close();
    appendFileSync(join(dir, 'm.journal'), '{"k":"torn","v":');
    const b = DurableMap.open<number>(dir, 'm');
    expect(b.has('torn')).toBe(false);
    await b.set('after', 2);
    b.close();
    const c = DurableMap.open<number>(dir, 'm');
    expect(c.get('ok')).toBe(1);
    expect(c.get('after')).toBe(2);
    c.close();
  });

  it.each(['always', 'interval:1000', 'never'])('loses no acknowledged write when the process is killed with SIGKILL (fsync %s)', async (policy) => {
    const dir = tmp();
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../test/support/common/journal-writer.ts'), dir, policy], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked: string[] = [];
    let buf = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        acked.push(...lines);
        if (acked.length >= 2000) resolve();
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const m = DurableMap.open<{ n: number }>(dir, 'kv');
    const missing = acked.filter((k) => !m.has(k));
    expect(missing).toEqual([]);
    expect(acked.length).toBeGreaterThanOrEqual(2000);
    m.close();
  });
});

describe('Class: DurableMap (group commit with the fsync off the event loop)', () => {
  it('commits writes made while an fsync is in flight as a later batch and keeps their order', async () => {
    const dir = tmp();
    const a = DurableMap.open<number>(dir, 'm');
    const order: string[] = [];
    const first = a.set('x', 1).then(() => order.push('first'));
    // the first batch is written and its fsync submitted on the next tick
    await new Promise((r) => setImmediate(r));
    const second = a.set('x', 2).then(() => order.push('second'));
    const third = a.set('y', 3).then(() => order.push('third'));
    await Promise.all([first, second, third]);
    expect(order).toEqual(['first', 'second', 'third']);
    a.close();
    const b = DurableMap.open<number>(dir, 'm');
    expect([...b.entries()]).toEqual([
      ['x', 2],
      ['y', 3],
    ]);
    b.close();
  });

  it('resolves flush only after the fsync in flight completes', async () => {
    const dir = tmp();
    const a = DurableMap.open<number>(dir, 'm');
    let written = false;
    const w = a.set('x', 1).then(() => {
      written = true;
    });
    await new Promise((r) => setImmediate(r));
    await a.flush();
    expect(written).toBe(true);
    await w;
    a.close();
  });

  it('makes every write durable and resolves it when closed during an fsync', async () => {
    const dir = tmp();
    const a = DurableMap.open<number>(dir, 'm');
    const inFlight = a.set('x', 1);
    await new Promise((r) => setImmediate(r));
    const queued = a.set('y', 2);
    a.close();
    await expect(Promise.all([inFlight, queued])).resolves.toBeDefined();
    await expect(a.set('z', 3)).rejects.toMatchObject({ code: 'PP_ERR_STORE' });
    const b = DurableMap.open<number>(dir, 'm');
    expect(b.get('x')).toBe(1);
    expect(b.get('y')).toBe(2);
    b.close();
  });

  it('keeps compacting correctly while batches overlap their fsyncs', async () => {
    const dir = tmp();
    const a = DurableMap.open<number>(dir, 'm', { compactEvery: 7 });
    const all: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      all.push(a.set(`k${i % 13}`, i));
      if (i % 9 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(all);
    a.close();
    const b = DurableMap.open<number>(dir, 'm');
    expect(b.size).toBe(13);
    expect(b.get('k5')).toBe(187);
    b.close();
  });

});

describe('Class: DurableMap (background compaction)', () => {
  async function until(cond: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  it('writes the snapshot in the background and removes the rotated journal', async () => {
    const dir = tmp();
    const a = DurableMap.open<number>(dir, 'm', { compactEvery: 10 });
    for (let i = 0; i < 12; i++) await a.set(`k${i}`, i);
    await until(() => existsSync(join(dir, 'm.snapshot.json')) && !existsSync(join(dir, 'm.journal.old')), 'compaction');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    a.close();
    const b = DurableMap.open<number>(dir, 'm');
    expect(b.size).toBe(12);
    expect(b.get('k11')).toBe(11);
    b.close();
  });

  it('keeps every write, change and delete made while a compaction is being written', async () => {
    const dir = tmp();
    const big = 'x'.repeat(2000);
    const a = DurableMap.open<{ n: number; pad: string }>(dir, 'm', { compactEvery: 500 });
    const all: Promise<void>[] = [];
    // enough data that serializing takes several slices while the writes go on
    for (let i = 0; i < 3000; i++) {
      all.push(a.set(`k${i % 1500}`, { n: i, pad: big }));
      if (i % 700 === 0) all.push(a.delete(`k${(i + 3) % 1500}`));
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(all);
    // let the last background compaction finish rather than be abandoned by close()
    await until(() => !existsSync(join(dir, 'm.journal.old')), 'compaction');
    const expected = [...a.entries()].map(([k, v]) => [k, v.n]);
    a.close();
    const b = DurableMap.open<{ n: number; pad: string }>(dir, 'm');
    expect([...b.entries()].map(([k, v]) => [k, v.n]).sort()).toEqual(expected.sort());
    b.close();
  });

  it('replays snapshot, rotated journal and journal after a crash mid-compaction, then folds them together', async () => {
    const dir = tmp();
    const a = DurableMap.open<number>(dir, 'm');
    await a.set('a', 1);
    await a.set('b', 2);
    a.compact();
    await a.set('b', 3);
    await a.set('c', 4);
    a.close();
    // as a crash leaves it: journal rotated, new writes in a fresh journal, a half-written temp snapshot
    renameSync(join(dir, 'm.journal'), join(dir, 'm.journal.old'));
    writeFileSync(join(dir, 'm.journal'), `${JSON.stringify({ k: 'a', d: 1 })}\n${JSON.stringify({ k: 'c', v: 5 })}\n`);
    writeFileSync(join(dir, 'm.snapshot.json.123-0.tmp'), '{"a":');
    const b = DurableMap.open<number>(dir, 'm');
    expect(Object.fromEntries(b.entries())).toEqual({ b: 3, c: 5 });
    expect(readdirSync(dir).sort()).toEqual(['m.journal', 'm.snapshot.json']);
    b.close();
    const c = DurableMap.open<number>(dir, 'm');
    expect(Object.fromEntries(c.entries())).toEqual({ b: 3, c: 5 });
    c.close();
  });
});
