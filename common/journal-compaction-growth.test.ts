import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DurableMap } from './journal';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'pp-journal-growth-'));
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const KB = 'x'.repeat(1000);

/** `n` entries of about 1 KB each, one commit each. */
async function write(m: DurableMap<string>, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) await m.set(`${tag}${i % 50}`, `${KB}${i}`);
}

const journalLines = (dir: string) => readFileSync(join(dir, 'm.journal'), 'utf8').split('\n').filter((l) => l !== '').length;
const snapshotId = (dir: string) => statSync(join(dir, 'm.snapshot.json')).ino;
/** a background compaction, if one was started, has finished */
const settled = (dir: string) => until(() => !existsSync(join(dir, 'm.journal.old')), 'the compaction to finish');

describe('DurableMap compaction: the journal grows with the snapshot', () => {
  it('does not rewrite a large snapshot for fewer journal bytes than it holds', async () => {
    const dir = tmp();
    const m = DurableMap.open<string>(dir, 'm', { compactEvery: 10 });
    for (let i = 0; i < 200; i++) await m.set(`base${i}`, KB);
    m.compact(); // a snapshot of about 200 KB, an empty journal
    const before = snapshotId(dir);
    await write(m, 50, 'a'); // 50 KB: past compactEvery, under the snapshot's bytes
    await new Promise((r) => setTimeout(r, 50));
    expect(snapshotId(dir)).toBe(before);
    expect(journalLines(dir)).toBe(50);
    await write(m, 160, 'b'); // 210 KB in all: now as many bytes as the snapshot
    await until(() => snapshotId(dir) !== before, 'the snapshot to be rewritten');
    await settled(dir);
    expect(journalLines(dir)).toBeLessThan(210);
    m.close();
    const again = DurableMap.open<string>(dir, 'm');
    expect(again.size).toBe(300);
    expect(again.get('b9')).toBe(`${KB}159`);
    again.close();
  });

  it('compacts on entries alone with compactGrowth 0', async () => {
    const dir = tmp();
    const m = DurableMap.open<string>(dir, 'm', { compactEvery: 10, compactGrowth: 0 });
    for (let i = 0; i < 200; i++) await m.set(`base${i}`, KB);
    m.compact();
    const before = snapshotId(dir);
    await write(m, 12, 'a');
    await until(() => snapshotId(dir) !== before, 'the snapshot to be rewritten');
    await settled(dir);
    m.close();
  });

  it('counts the journal replayed on open toward the next compaction', async () => {
    const dir = tmp();
    const m = DurableMap.open<string>(dir, 'm', { compactEvery: 10 });
    for (let i = 0; i < 200; i++) await m.set(`base${i}`, KB);
    m.compact();
    await write(m, 150, 'a');
    m.close();
    const reopened = DurableMap.open<string>(dir, 'm', { compactEvery: 10 });
    const before = snapshotId(dir);
    // 60 KB more: under the snapshot's bytes on their own, past them with the 150 KB replayed
    await write(reopened, 60, 'b');
    await until(() => snapshotId(dir) !== before, 'the snapshot to be rewritten');
    await settled(dir);
    reopened.close();
  });

  it('refuses a negative or non-numeric compactGrowth', () => {
    const dir = tmp();
    expect(() => DurableMap.open(dir, 'm', { compactGrowth: -1 })).toThrow(/compactGrowth must be a number >= 0, got -1/);
    expect(() => DurableMap.open(dir, 'm', { compactGrowth: Number.NaN })).toThrow(/compactGrowth/);
  });
});
