/**
 * The coach's budget rules as pure functions over the `coach` part of the reasoning
 * state (protocol/coach.ts CoachBudget): at most `callsPerDay` LLM calls per device
 * and UTC day, at most one per `minIntervalMs` unless the state got worse than the
 * last one worded; and the cache of answers by (persona, stateHash) for `cacheTtlMs`
 * (CoachCache, in the `reasoning-coach` shadow).
 */
import { COACH_CACHE_SIZE, type CoachBudget, type CoachCache, type CoachCacheEntry } from '../../protocol/coach';
import type { Persona } from '../../protocol/shadows';

export interface CoachLimits {
  callsPerDay: number;
  minIntervalMs: number;
  cacheTtlMs: number;
  /**
   * How long a state that differs from the last one worded by the LLM only in its spoons
   * (the energy budget refilling one spoon at a time overnight, or draining by day)
   * waits before the LLM may word it again.
   */
  minorChangeMs: number;
}

export const DEFAULT_COACH_LIMITS: CoachLimits = Object.freeze({ callsPerDay: 8, minIntervalMs: 30 * 60_000, cacheTtlMs: 30 * 60_000, minorChangeMs: 3 * 3_600_000 });

/** The UTC day of an instant, `YYYY-MM-DD`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The budget as of `now`: a new day starts with no calls. */
export function currentBudget(b: CoachBudget | undefined, now: number): CoachBudget {
  const day = utcDay(now);
  if (b === undefined) return { day, calls: 0 };
  return { ...b, day, calls: b.day === day ? b.calls : 0 };
}

/** The cache as of `now`: entries older than the cache's lifetime are dropped. */
export function currentCache(c: CoachCache | undefined, now: number, limits: CoachLimits): CoachCache {
  return { entries: (c?.entries ?? []).filter((e) => now - e.at < limits.cacheTtlMs && e.at <= now) };
}

/** A cached answer for (persona, stateHash) still within its lifetime. */
export function cachedAnswer(c: CoachCache, persona: Persona, stateHash: string): CoachCacheEntry | undefined {
  return c.entries.find((e) => e.persona === persona && e.stateHash === stateHash);
}

/** The state about to be worded, as the budget sees it. */
export interface CoachedState {
  /** moodSeverity of the decided mood: higher is worse */
  severity: number;
  /** mood, readiness band and stress state: what a new message is about */
  key: string;
  /** the models could not read the wearer (stress `unknown`): nothing for an LLM to word */
  noSignal: boolean;
}

export type CoachPlan = { kind: 'call' } | { kind: 'skip'; reason: 'daily_budget' | 'interval' | 'no_signal' | 'minor_change' };

/**
 * Whether an LLM call is allowed now for this state. Beyond the daily cap and the
 * interval (waived when the state got worse), two rules keep the budget for the waking
 * day (bench/coach-calls.ts showed it spent before 08:00 without them): a state without
 * signal is never worth a call, and a spoons-only change waits `minorChangeMs`.
 */
export function planCall(b: CoachBudget, s: CoachedState, now: number, limits: CoachLimits): CoachPlan {
  if (s.noSignal) return { kind: 'skip', reason: 'no_signal' };
  if (b.calls >= limits.callsPerDay) return { kind: 'skip', reason: 'daily_budget' };
  const since = b.lastCallAt === undefined || now < b.lastCallAt ? Number.POSITIVE_INFINITY : now - b.lastCallAt;
  const worse = b.lastSeverity === undefined || s.severity > b.lastSeverity;
  if (since < limits.minIntervalMs && !worse) return { kind: 'skip', reason: 'interval' };
  if (b.lastWorded === s.key && since < limits.minorChangeMs) return { kind: 'skip', reason: 'minor_change' };
  return { kind: 'call' };
}

/** The budget with one more call reserved for this state. */
export function withCall(b: CoachBudget, now: number, s: CoachedState): CoachBudget {
  return { ...b, calls: b.calls + 1, lastCallAt: now, lastSeverity: s.severity, lastWorded: s.key };
}

/** The cache with an answer added (replacing one for the same key; the oldest goes first). */
export function withCached(c: CoachCache, entry: CoachCacheEntry): CoachCache {
  const others = c.entries.filter((e) => e.persona !== entry.persona || e.stateHash !== entry.stateHash);
  return { entries: [...others, entry].slice(-COACH_CACHE_SIZE) };
}
