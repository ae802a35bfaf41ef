import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MinuteAggregate } from '../../../protocol/models';
import { resolveBaseline } from './baseline';
import { predict } from './predict';
import { PERSONAL, T0 } from './test-support';

const minute = fc.record({
  hrMeanBpm: fc.double({ min: 40, max: 200, noNaN: true }),
  hrvRmssdMs: fc.double({ min: 2, max: 200, noNaN: true }),
  cadenceSpm: fc.double({ min: 0, max: 180, noNaN: true }),
  accelG: fc.double({ min: 0.9, max: 3, noNaN: true }),
  skinTempC: fc.double({ min: 30, max: 36, noNaN: true }),
});
const window = fc.array(minute, { minLength: 1, maxLength: 30 }).map((xs) => xs.map((m, i): MinuteAggregate => ({ ...m, t: T0 + i * 60_000, n: 60, dropped: 0, steps: m.cadenceSpm })));
const baseline = fc.record({
  days: fc.integer({ min: 0, max: 90 }),
  lnRmssd7d: fc.double({ min: 2, max: 5, noNaN: true }),
  restingHr7dBpm: fc.double({ min: 40, max: 90, noNaN: true }),
  sleepMin7d: fc.double({ min: 200, max: 600, noNaN: true }),
});
const score = (minutes: MinuteAggregate[], b: object) => predict({ now: T0 + 30 * 60_000, minutes, baseline: { ...PERSONAL, ...b } }).readiness.score;

describe('readiness: properties', () => {
  it('lower RMSSD in any minute never raises readiness', () => {
    fc.assert(
      fc.property(window, baseline, fc.nat(), fc.double({ min: 0.05, max: 1, noNaN: true }), (ms, b, at, factor) => {
        const i = at % ms.length;
        const lower = ms.map((m, j) => (j === i ? { ...m, hrvRmssdMs: (m.hrvRmssdMs ?? 10) * factor } : m));
        expect(score(lower, b)).toBeLessThanOrEqual(score(ms, b));
      }),
      { numRuns: 300 },
    );
  });

  it('a lower 7-day ln RMSSD never raises readiness', () => {
    fc.assert(
      fc.property(window, baseline, fc.double({ min: 0, max: 2, noNaN: true }), (ms, b, drop) => {
        expect(score(ms, { ...b, lnRmssd7d: b.lnRmssd7d - drop })).toBeLessThanOrEqual(score(ms, b));
      }),
      { numRuns: 300 },
    );
  });

  it('stays within 0–100, and calibrating exactly when there are fewer than 3 days', () => {
    fc.assert(
      fc.property(window, baseline, (ms, b) => {
        const p = predict({ now: T0 + 30 * 60_000, minutes: ms, baseline: { ...PERSONAL, ...b } });
        expect(p.readiness.score).toBeGreaterThanOrEqual(0);
        expect(p.readiness.score).toBeLessThanOrEqual(100);
        expect(p.calibrating).toBe(resolveBaseline({ ...PERSONAL, ...b }).calibrating);
        expect(p.calibrating).toBe(b.days < 3);
        if (p.calibrating) expect(p.readiness.contributors.some((c) => c.name === 'hrv7d' || c.name === 'hrv')).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
