import { describe, expect, it } from 'vitest';
import type { Sample } from '../../../protocol/telemetry';
import { cleanSamples } from './clean';

const series = (n: number, f: (i: number) => Partial<Sample>): Sample[] => Array.from({ length: n }, (_, i) => ({ t: 1_000 + i * 1000, hr: 60, hrvRmssd: 40, ...f(i) }));

describe('Function: cleanSamples', () => {
  it('drops a motion-artefact HR jump and its RMSSD, and counts it', () => {
    const r = cleanSamples(series(30, (i) => (i === 15 ? { hr: 120 } : {})));
    expect(r.dropped['hr-jump']).toBe(1);
    expect(r.samples[15]).toMatchObject({ rejected: true });
    expect(r.samples[15]?.hrBpm).toBeUndefined();
    expect(r.samples[15]?.rmssdMs).toBeUndefined();
  });

  it('drops an ectopic RMSSD spike but keeps the sample’s HR', () => {
    const r = cleanSamples(series(30, (i) => (i === 10 ? { hrvRmssd: 180 } : {})));
    expect(r.dropped['rmssd-spike']).toBe(1);
    expect(r.samples[10]).toMatchObject({ hrBpm: 60, rejected: true });
    expect(r.samples[10]?.rmssdMs).toBeUndefined();
  });

  it('keeps a real change of level (the local median moves with it)', () => {
    const r = cleanSamples(series(60, (i) => (i < 30 ? { hr: 60, hrvRmssd: 15 } : { hr: 85, hrvRmssd: 45 })));
    expect(r.samples.every((s) => !s.rejected)).toBe(true);
  });

  it('drops duplicate timestamps and sorts by time', () => {
    const r = cleanSamples([
      { t: 3000, hr: 61 },
      { t: 1000, hr: 60 },
      { t: 1000, hr: 99 },
    ]);
    expect(r.samples.map((s) => s.t)).toEqual([1000, 3000]);
    expect(r.dropped.duplicate).toBe(1);
  });

  it('rejects HR outside 20–250 bpm', () => {
    expect(cleanSamples([{ t: 1, hr: 10 }]).dropped['hr-out-of-range']).toBe(1);
  });
});
