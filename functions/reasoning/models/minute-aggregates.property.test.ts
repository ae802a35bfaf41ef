import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../../protocol/telemetry';
import { mergeMinutes, minuteAggregates } from './minute-aggregates';
import { T0 } from './test-support';

const sample = fc.record(
  {
    t: fc.integer({ min: T0, max: T0 + 20 * 60_000 }),
    hr: fc.double({ min: 20, max: 250, noNaN: true }),
    hrvRmssd: fc.double({ min: 0, max: 300, noNaN: true }),
    steps: fc.integer({ min: 0, max: 5 }),
    accelG: fc.double({ min: 0, max: 16, noNaN: true }),
  },
  { requiredKeys: ['t', 'hr'] },
) as fc.Arbitrary<Sample>;

describe('minute aggregates: properties', () => {
  it('every sample is accounted for: valid HR or dropped, in a minute of its own time; steps are kept', () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 300 }), (samples) => {
        const { minutes, dropped } = minuteAggregates(samples);
        const unique = new Set(samples.map((s) => s.t)).size;
        const duplicates = dropped.find((d) => d.reason === 'duplicate')?.count ?? 0;
        expect(duplicates).toBe(samples.length - unique);
        expect(minutes.every((m) => m.t % 60_000 === 0 && m.n <= 60_000)).toBe(true);
        for (const m of minutes) if (m.hrMeanBpm !== undefined) expect(m.hrMeanBpm).toBeGreaterThanOrEqual(20);
        expect(minutes.every((m, i) => i === 0 || (minutes[i - 1]?.t ?? 0) < m.t)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('merging keeps the window: sorted, unique minutes, none older than keepMs or in the future', () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 200 }), fc.array(sample, { maxLength: 200 }), fc.integer({ min: 1, max: 30 }), (a, b, keepMin) => {
        const now = T0 + 15 * 60_000;
        const merged = mergeMinutes(minuteAggregates(a).minutes, minuteAggregates(b).minutes, now, keepMin * 60_000);
        expect(merged.every((m, i) => i === 0 || (merged[i - 1]?.t ?? 0) < m.t)).toBe(true);
        expect(merged.every((m) => m.t >= now - keepMin * 60_000 && m.t <= now)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
