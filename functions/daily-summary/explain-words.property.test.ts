import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANOMALY_METRICS, type DailyAnomaly, DailyExplanationSchema } from '../../protocol/daily';
import { PERSONAS } from '../../protocol/shadows';
import { explanationProblem, fitExplanation } from './explain-check';
import { METRIC_WORDS, templateExplanation } from './explain-words';

/** Any set of flagged anomalies: each metric flagged or not, high or low, in one or both windows, with extreme values. */
const anomalies = fc
  .subarray([...ANOMALY_METRICS])
  .chain((metrics) =>
    fc.tuple(
      ...metrics.map((metric) =>
        fc.record({
          metric: fc.constant(metric),
          direction: fc.constantFrom('high' as const, 'low' as const),
          value: fc.double({ min: 0, max: 99_999, noNaN: true }),
          mean: fc.double({ min: 0, max: 99_999, noNaN: true }),
          windows: fc.constantFrom([30] as const, [60] as const, [30, 60] as const),
        }),
      ),
    ),
  )
  .map((rs): DailyAnomaly[] =>
    rs.flatMap((r) => r.windows.map((windowDays) => ({ metric: r.metric, windowDays, value: r.value, mean: r.mean, sd: 1, z: r.direction === 'high' ? 2.5 : -2.5, direction: r.direction }))),
  );

describe('Property: templateExplanation', () => {
  it('names every flagged metric, calls nothing else unusual, and fits the explanation’s limits', () => {
    fc.assert(
      fc.property(anomalies, fc.constantFrom(...PERSONAS), fc.boolean(), (flagged, persona, judged) => {
        const text = fitExplanation(templateExplanation({ persona, anomalies: flagged, judged: judged || flagged.length > 0 }));
        expect(DailyExplanationSchema.safeParse({ text, source: 'deterministic' }).success).toBe(true);
        expect(explanationProblem(text, new Set(flagged.map((a) => a.metric)))).toBeUndefined();
        const named = new Set(flagged.map((a) => a.metric));
        // all of them fit unless every metric is flagged at once, when the list may be cut short
        if (named.size < ANOMALY_METRICS.length) for (const m of named) expect(text).toContain(METRIC_WORDS[m].name);
      }),
      { numRuns: 300 },
    );
  });
});
