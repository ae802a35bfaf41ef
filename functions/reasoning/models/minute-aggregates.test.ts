import { describe, expect, it } from 'vitest';
import type { Sample } from '../../../protocol/telemetry';
import { mergeMinutes, minuteAggregates } from './minute-aggregates';
import { minutes, REST, T0 } from './test-support';

const oneHz = (from: number, n: number, f: (i: number) => Partial<Sample> = () => ({})): Sample[] =>
  Array.from({ length: n }, (_, i) => ({ t: from + i * 1000, hr: 70, hrvRmssd: 40, steps: 2, accelG: 1.5, ...f(i) }));

describe('Function: minuteAggregates', () => {
  it('aggregates per minute: means of valid values, steps summed, cadence per covered minute', () => {
    const { minutes: m } = minuteAggregates(oneHz(T0, 120));
    expect(m).toHaveLength(2);
    expect(m[0]).toEqual({ t: T0, n: 60, dropped: 0, hrMeanBpm: 70, hrvRmssdMs: 40, steps: 120, cadenceSpm: 120, accelG: 1.5 });
  });

  it('estimates cadence over the part of the minute the samples cover', () => {
    const { minutes: m } = minuteAggregates(oneHz(T0, 30));
    expect(m[0]?.cadenceSpm).toBe(120);
    expect(minuteAggregates(oneHz(T0, 5)).minutes[0]?.cadenceSpm).toBeUndefined();
  });

  it('leaves artefacts out of the means and reports them, with gap minutes', () => {
    const samples = [...oneHz(T0, 60, (i) => (i === 30 ? { hrvRmssd: 250 } : {})), ...oneHz(T0 + 180_000, 60)];
    const r = minuteAggregates(samples);
    expect(r.minutes[0]).toMatchObject({ hrvRmssdMs: 40, dropped: 1, n: 60 });
    expect(r.dropped).toEqual([
      { reason: 'rmssd-spike', count: 1 },
      { reason: 'gap', count: 2 },
    ]);
  });
});

describe('Function: mergeMinutes', () => {
  it('keeps only the minutes within keepMs before now, oldest first', () => {
    const old = minutes(40, REST);
    const now = T0 + 40 * 60_000;
    const kept = mergeMinutes(old, [], now, 30 * 60_000);
    expect(kept[0]?.t).toBe(now - 30 * 60_000);
    expect(kept).toHaveLength(30);
  });

  it('combines a minute split across two batches', () => {
    const a = minuteAggregates(oneHz(T0, 30)).minutes;
    const b = minuteAggregates(oneHz(T0 + 30_000, 30, () => ({ hr: 80 }))).minutes;
    const [m] = mergeMinutes(a, b, T0 + 60_000, 30 * 60_000);
    expect(m).toMatchObject({ t: T0, n: 60, steps: 120, hrMeanBpm: 75, cadenceSpm: 120 });
  });
});
