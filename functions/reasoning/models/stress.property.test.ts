import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MinuteAggregate } from '../../../protocol/models';
import { resolveBaseline } from './baseline';
import { classifyMinutes } from './minute-state';
import { stressResult } from './stress';
import { PERSONAL, T0 } from './test-support';

const b = resolveBaseline(PERSONAL);
const minute = fc.record({
  hrMeanBpm: fc.double({ min: 40, max: 200, noNaN: true }),
  hrvRmssdMs: fc.double({ min: 2, max: 200, noNaN: true }),
  cadenceSpm: fc.double({ min: 0, max: 180, noNaN: true }),
  accelG: fc.double({ min: 0.9, max: 3, noNaN: true }),
  n: fc.integer({ min: 0, max: 60 }),
});
const window = fc.array(minute, { minLength: 1, maxLength: 30 }).map((xs) => xs.map((m, i): MinuteAggregate => ({ ...m, t: T0 + i * 60_000, dropped: 0, steps: m.cadenceSpm })));
const now = T0 + 30 * 60_000 - 1;
const windowsOf = (ms: MinuteAggregate[]) => stressResult(classifyMinutes(ms, b).states, b, now).windows;

describe('stress: properties', () => {
  it('more steps never turn exercise into stress, nor create stress anywhere', () => {
    fc.assert(
      fc.property(window, fc.nat(), fc.double({ min: 1, max: 200, noNaN: true }), (ms, at, extra) => {
        const i = at % ms.length;
        const more = ms.map((m, j) => (j === i ? { ...m, steps: m.steps + extra, cadenceSpm: (m.cadenceSpm ?? 0) + extra } : m));
        const before = windowsOf(ms);
        const after = windowsOf(more);
        after.forEach((w, k) => {
          if (w.state === 'stress') expect(before[k]?.state).toBe('stress');
          if (before[k]?.state === 'exercise') expect(w.state).toBe('exercise');
        });
      }),
      { numRuns: 300 },
    );
  });

  it('an exercise window is never stress and its level is 0; a stress window is at least 51', () => {
    fc.assert(
      fc.property(window, (ms) => {
        for (const w of windowsOf(ms)) {
          if (w.state === 'exercise') expect(w.level).toBe(0);
          if (w.state === 'stress') expect(w.level).toBeGreaterThanOrEqual(51);
          expect(w.level).toBeGreaterThanOrEqual(0);
          expect(w.level).toBeLessThanOrEqual(100);
        }
      }),
      { numRuns: 200 },
    );
  });
});
