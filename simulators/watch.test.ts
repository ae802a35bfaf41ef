import { describe, expect, it } from 'vitest';
import { InputRecordSchema } from '../protocol/telemetry';
import { WATCH_SCENARIOS, WatchSimulator } from './watch';

describe('Class: WatchSimulator', () => {
  it.each(WATCH_SCENARIOS)('produces schema-valid samples one interval apart in the %s scenario', (scenario) => {
    const sim = new WatchSimulator({ scenario, seed: 3, startMs: 1_700_000_000_000, intervalMs: 1_000 });
    const recs = Array.from({ length: 600 }, () => sim.next());
    for (const r of recs) InputRecordSchema.parse(r);
    expect(recs[1]!.t - recs[0]!.t).toBe(1_000);
  });

  it('tells a run apart from sleep by heart rate, steps and HRV', () => {
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const take = (scenario: 'run' | 'sleep') => {
      const sim = new WatchSimulator({ scenario, seed: 9, startMs: 1 });
      return Array.from({ length: 300 }, () => sim.next());
    };
    const run = take('run');
    const sleep = take('sleep');
    expect(mean(run.map((r) => r.hr))).toBeGreaterThan(130);
    expect(mean(sleep.map((r) => r.hr))).toBeLessThan(60);
    expect(run.reduce((a, r) => a + (r.steps ?? 0), 0)).toBeGreaterThan(600);
    expect(sleep.reduce((a, r) => a + (r.steps ?? 0), 0)).toBe(0);
    expect(mean(sleep.map((r) => r.hrvRmssd ?? 0))).toBeGreaterThan(mean(run.map((r) => r.hrvRmssd ?? 0)));
  });

  it('replays the same samples for the same seed', () => {
    const a = new WatchSimulator({ scenario: 'stress', seed: 42, startMs: 5 });
    const b = new WatchSimulator({ scenario: 'stress', seed: 42, startMs: 5 });
    expect(Array.from({ length: 20 }, () => a.next())).toEqual(Array.from({ length: 20 }, () => b.next()));
  });
});
