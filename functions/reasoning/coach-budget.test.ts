import { describe, expect, it } from 'vitest';
import type { CoachCache } from '../../protocol/coach';
import { type CoachedState, cachedAnswer, currentBudget, currentCache, DEFAULT_COACH_LIMITS as L, planCall, utcDay, withCached, withCall } from './coach-budget';

/** A state of this severity; each severity its own key unless one is given. */
function st(severity: number, key = `k${severity}`, noSignal = false): CoachedState {
  return { severity, key, noSignal };
}

const T = Date.parse('2026-12-05T10:00:00Z');
const MIN = 60_000;

describe('Coach budget rules', () => {
  it('allows a first call, then none within 30 minutes unless the state got worse', () => {
    const b = withCall(currentBudget(undefined, T), T, st(1));
    expect(b).toMatchObject({ day: '2026-12-05', calls: 1, lastCallAt: T, lastSeverity: 1, lastWorded: 'k1' });
    expect(planCall(b, st(1), T + 29 * MIN, L)).toEqual({ kind: 'skip', reason: 'interval' });
    expect(planCall(b, st(0), T + 29 * MIN, L)).toEqual({ kind: 'skip', reason: 'interval' });
    expect(planCall(b, st(3), T + 1 * MIN, L)).toEqual({ kind: 'call' });
    expect(planCall(b, st(1, 'other'), T + 30 * MIN, L)).toEqual({ kind: 'call' });
  });

  it('allows 8 calls a UTC day even when every state is worse, and starts again the next day', () => {
    let b = currentBudget(undefined, T);
    let calls = 0;
    for (let i = 0; i < 20; i++) {
      const now = T + i * MIN;
      b = currentBudget(b, now);
      if (planCall(b, st(3, `k${i}`), now, { ...L, minIntervalMs: 0 }).kind === 'call') {
        b = withCall(b, now, st(3, `k${i}`));
        calls++;
      }
    }
    expect(calls).toBe(8);
    expect(planCall(b, st(3), T + 21 * MIN, L)).toEqual({ kind: 'skip', reason: 'daily_budget' });
    const tomorrow = Date.parse('2026-12-06T00:00:00Z');
    expect(utcDay(tomorrow)).toBe('2026-12-06');
    expect(currentBudget(b, tomorrow)).toMatchObject({ day: '2026-12-06', calls: 0 });
  });

  it('never calls for a state without signal, and lets a spoons-only change wait 3 hours', () => {
    const b = withCall(currentBudget(undefined, T), T, st(1, 'calm|normal|rest'));
    expect(planCall(b, st(2, 'x', true), T + 60 * MIN, L)).toEqual({ kind: 'skip', reason: 'no_signal' });
    expect(planCall(currentBudget(undefined, T), st(3, 'x', true), T, L)).toEqual({ kind: 'skip', reason: 'no_signal' });
    expect(planCall(b, st(1, 'calm|normal|rest'), T + 60 * MIN, L)).toEqual({ kind: 'skip', reason: 'minor_change' });
    expect(planCall(b, st(1, 'calm|normal|rest'), T + L.minorChangeMs, L)).toEqual({ kind: 'call' });
    expect(planCall(b, st(1, 'calm|high|rest'), T + 60 * MIN, L)).toEqual({ kind: 'call' });
  });

  it('caches by persona and state hash for 30 minutes, newest four kept', () => {
    let c: CoachCache = currentCache(undefined, T, L);
    for (let i = 0; i < 6; i++) c = withCached(c, { persona: 'strict', stateHash: `h${i}`, at: T + i, message: `m${i}` });
    expect(c.entries.map((e) => e.stateHash)).toEqual(['h2', 'h3', 'h4', 'h5']);
    c = withCached(c, { persona: 'strict', stateHash: 'h3', at: T + 10, message: 'again' });
    expect(c.entries.map((e) => e.message)).toEqual(['m2', 'm4', 'm5', 'again']);
    expect(cachedAnswer(c, 'strict', 'h3')?.message).toBe('again');
    expect(cachedAnswer(c, 'encouraging', 'h3')).toBeUndefined();
    expect(cachedAnswer(currentCache(c, T + 30 * MIN + 10, L), 'strict', 'h3')).toBeUndefined();
    expect(cachedAnswer(currentCache(c, T + 29 * MIN, L), 'strict', 'h3')?.message).toBe('again');
  });
});
