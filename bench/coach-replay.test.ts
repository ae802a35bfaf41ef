import { describe, expect, it } from 'vitest';
import { BODY_PERSONAS as PERSONAS } from '../simulators/index';
import { batchesOf, DAY_MS, daySamples, FIRST_DAY, memoryShadows, TYPICAL_DAY } from './coach-replay';

describe('Function: memoryShadows', () => {
  it('checks the version like the Device Shadow service: 0 before the first update, then the current one', async () => {
    const s = memoryShadows();
    expect(await s.get('t', 'reasoning')).toBeUndefined();
    expect(await s.update('t', 'reasoning', { reported: { a: 1 } }, 1)).toBe('conflict');
    expect(await s.update('t', 'reasoning', { reported: { a: 1 } }, 0)).toBe(1);
    expect(await s.update('t', 'reasoning', { reported: { a: 2 } }, 0)).toBe('conflict');
    expect(await s.update('t', 'reasoning', { reported: { a: 2 } })).toBe(2);
    expect((await s.get('t', 'reasoning'))?.version).toBe(2);
  });

  it('merges objects key by key, replaces arrays, deletes on null, and hands out copies', async () => {
    const s = memoryShadows();
    await s.update('t', 'pet', { reported: { coach: { day: 'd', calls: 1, cache: [1, 2] }, keep: true } });
    await s.update('t', 'pet', { reported: { coach: { calls: 2, cache: [3] }, keep: null } });
    const read = await s.get('t', 'pet');
    expect(read?.reported).toEqual({ coach: { day: 'd', calls: 2, cache: [3] } });
    (read?.reported?.coach as { calls: number }).calls = 99;
    expect((await s.get('t', 'pet'))?.reported).toEqual({ coach: { day: 'd', calls: 2, cache: [3] } });
  });
});

describe('Function: batchesOf', () => {
  it('cuts time-ordered samples into consecutive slices and skips empty ones', () => {
    const samples = [0, 1000, 2500, 9000].map((t) => ({ t }));
    const out = [...batchesOf(samples, 0, 10_000, 2000)].map((b) => [b.from, b.samples.map((x) => x.t)]);
    expect(out).toEqual([
      [0, [0, 1000]],
      [2000, [2500]],
      [8000, [9000]],
    ]);
  });
});

describe('Function: daySamples', () => {
  it('fills one UTC day, in time order, from repeated scenarios and from the composed day', () => {
    for (const plan of [['stress'], TYPICAL_DAY]) {
      const { samples } = daySamples(plan, PERSONAS[0] as (typeof PERSONAS)[number], 1, 1);
      const start = FIRST_DAY + DAY_MS;
      expect(samples[0]?.t).toBeLessThan(start + 60_000);
      expect(samples[samples.length - 1]?.t).toBeGreaterThan(start + DAY_MS - 60_000);
      expect(samples.every((x, i) => x.t >= start && x.t < start + DAY_MS && (i === 0 || x.t >= (samples[i - 1] as { t: number }).t))).toBe(true);
      // 1 Hz less the generators' gaps and dropped samples
      expect(samples.length).toBeGreaterThan(0.95 * 86_400);
    }
  });
});
