import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadMallocTrim, MALLOC_TRIM_ADDON, startAllocatorTrimmer, TrimPolicy } from './allocator-trim';

describe('Class: TrimPolicy', () => {
  it('trims once, after a fleet has left and stayed gone for the settle time', () => {
    const p = new TrimPolicy({ settleMs: 5_000 });
    // a fleet connects and publishes: no trim
    for (let t = 0, n = 0; n <= 3_000; n += 500, t += 1_000) expect(p.observe(n, t)).toBe(false);
    // it leaves: the count falls under half (from 10 s on), then stays low for the settle time
    expect(p.observe(1_000, 10_000)).toBe(false);
    expect(p.observe(0, 11_000)).toBe(false);
    expect(p.observe(0, 14_999)).toBe(false);
    expect(p.observe(0, 15_000)).toBe(true);
    // once per fall: the most seen starts again from now
    expect(p.observe(0, 30_000)).toBe(false);
  });

  it('does not trim for a fall that comes back within the settle time, nor for a small or partial one', () => {
    const blip = new TrimPolicy({ settleMs: 5_000 });
    blip.observe(2_000, 0);
    expect(blip.observe(500, 1_000)).toBe(false);
    expect(blip.observe(1_900, 3_000)).toBe(false);
    expect(blip.observe(500, 7_000)).toBe(false);
    expect(blip.observe(500, 11_999)).toBe(false);
    expect(blip.observe(500, 12_000)).toBe(true);

    const small = new TrimPolicy({ settleMs: 0 });
    small.observe(400, 0);
    expect(small.observe(0, 1_000)).toBe(false); // 400 < minDrop 500

    const partial = new TrimPolicy({ settleMs: 0 });
    partial.observe(10_000, 0);
    expect(partial.observe(7_000, 1_000)).toBe(false); // 3,000 closed: under half
    expect(partial.observe(4_000, 2_000)).toBe(true);
  });
});

describe('Function: startAllocatorTrimmer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('collects garbage and then trims, once, when the fleet has gone, and reports the connections and the RSS around it', () => {
    vi.useFakeTimers();
    let connections = 2_000;
    const order: string[] = [];
    const trim = vi.fn(() => order.push('trim') > 0);
    const collect = () => order.push('gc');
    const reports: Array<{ from: number; to: number }> = [];
    const trimmer = startAllocatorTrimmer(trim, () => connections, (t) => reports.push({ from: t.from, to: t.to }), { everyMs: 1_000, settleMs: 3_000, collect });
    vi.advanceTimersByTime(5_000);
    connections = 10;
    vi.advanceTimersByTime(10_000);
    trimmer.stop();
    expect(order).toEqual(['gc', 'trim']);
    expect(trim).toHaveBeenCalledWith(0);
    expect(reports).toEqual([{ from: 2_000, to: 10 }]);
    expect(trimmer.stats.trims).toBe(1);
  });
});

describe('native malloc-trim addon', () => {
  it('is built by npm ci and loads', () => {
    const native = loadMallocTrim();
    expect(native, 'missing' in native ? native.missing : '').toHaveProperty('trim');
    expect(loadMallocTrim('/nonexistent/malloc-trim.node')).toMatchObject({ missing: expect.stringContaining('is not built') });
  });

  it('gives freed heap pages back to the OS, which glibc alone keeps', () => {
    // many small blocks freed while a few long-lived ones sit between them: the heap's top
    // cannot shrink, so only malloc_trim returns the pages (as after a fleet disconnects)
    const script = `
      const { trim } = require(${JSON.stringify(MALLOC_TRIM_ADDON)});
      const rss = () => process.memoryUsage.rss();
      const keep = []; let blocks = [];
      for (let i = 0; i < 30000; i++) { blocks.push(Buffer.allocUnsafeSlow(8192)); if (i % 50 === 0) keep.push(Buffer.allocUnsafeSlow(64)); }
      blocks = null; globalThis.gc(); globalThis.gc();
      setTimeout(() => {
        globalThis.gc();
        const freed = rss();
        const returned = trim(0);
        process.stdout.write(JSON.stringify({ freed, trimmed: rss(), returned, kept: keep.length }));
      }, 100);`;
    const out = execFileSync(process.execPath, ['--expose-gc', '-e', script], { env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '65536' }, encoding: 'utf8' });
    const r = JSON.parse(out) as { freed: number; trimmed: number; returned: boolean };
    expect(r.returned).toBe(true);
    // about 240 MB of 8 KiB blocks were freed: at least 100 MB of it goes back
    expect(r.freed - r.trimmed).toBeGreaterThan(100 * 1_048_576);
  });
});
