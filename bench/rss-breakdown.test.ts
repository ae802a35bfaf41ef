import { describe, expect, it } from 'vitest';
import { breakdownInMiB, rssBreakdown } from './rss-breakdown';

const KiB = 1024;

/** A smaps text with one mapping per entry: its name and its Rss in KiB. */
function smaps(maps: Array<[string, number]>): string {
  return maps
    .map(([name, rssKiB], i) => {
      const start = (0x1000000 + i * 0x100000).toString(16);
      const end = (0x1000000 + (i + 1) * 0x100000).toString(16);
      return [`${start}-${end} rw-p 00000000 00:00 0 ${name}`.trimEnd(), `Size:               1024 kB`, `Rss:      ${rssKiB} kB`, 'Pss:                  0 kB', 'VmFlags: rd wr mr mw me ac'].join('\n');
    })
    .join('\n');
}

describe('rssBreakdown', () => {
  it('splits resident memory into the main arena, mapped files and other anonymous mappings', () => {
    const text = smaps([
      ['/usr/bin/node', 40_000],
      ['[heap]', 200_000],
      ['', 500_000],
      ['', 300_000],
      ['/work/node_modules/@duckdb/node-bindings/duckdb.node', 20_000],
      ['[stack]', 100],
    ]);
    // the isolate's figures are given: read apart, they move between two calls
    const b = rssBreakdown(text, { total_physical_size: 120_000 * KiB, used_heap_size: 90_000 * KiB });
    expect(b.mallocMainArena).toBe(200_000 * KiB);
    expect(b.fileBacked).toBe(60_000 * KiB);
    // the main isolate's pages are among the anonymous mappings: they are counted once
    expect(b.otherAnonymous).toBe(800_100 * KiB - 120_000 * KiB);
    expect(b.mainIsolate).toEqual({ physical: 120_000 * KiB, used: 90_000 * KiB });
    expect(rssBreakdown(text, { total_physical_size: 900_000 * KiB, used_heap_size: 0 }).otherAnonymous).toBe(0);
  });

  it('reads this process when given no text', () => {
    const b = rssBreakdown();
    const rss = process.memoryUsage().rss;
    const total = b.mallocMainArena + b.fileBacked + b.otherAnonymous + b.mainIsolate.physical;
    // the parts add up to about the process's RSS (both read at nearly the same moment)
    expect(total).toBeGreaterThan(rss * 0.8);
    expect(total).toBeLessThan(rss * 1.2);
  });

  it('gives MiB with two decimals, or nothing without a breakdown', () => {
    expect(breakdownInMiB(undefined)).toEqual({});
    const m = breakdownInMiB({ mainIsolate: { physical: 3 * 1024 * 1024, used: 1024 * 1024 }, mallocMainArena: 1536 * KiB, otherAnonymous: 0, fileBacked: 10 * KiB });
    expect(m).toEqual({ mainIsolatePhysical: 3, mainIsolateUsed: 1, mallocMainArena: 1.5, otherAnonymous: 0, fileBacked: 0.01 });
  });
});
