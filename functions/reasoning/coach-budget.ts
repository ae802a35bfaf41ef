/**
 * The coach's budget rules as pure functions over the `coach` part of the reasoning
 * state (protocol/coach.ts CoachBudget): at most `callsPerDay` LLM calls per device
 * and UTC day, at most one per `minIntervalMs` unless the state got worse than the
 * last one worded, and a cache of answers by (persona, stateHash) for `cacheTtlMs`.
 */
import { COACH_CACHE_SIZE, type CoachBudget, type CoachCacheEntry } from '../../protocol/coach';
import type { Persona } from '../../protocol/shadows';

export interface CoachLimits {
  callsPerDay: number;
  minIntervalMs: number;
  cacheTtlMs: number;
}

export const DEFAULT_COACH_LIMITS: CoachLimits = Object.freeze({ callsPerDay: 8, minIntervalMs: 30 * 60_000, cacheTtlMs: 30 * 60_000 });

/** The UTC day of an instant, `YYYY-MM-DD`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The budget as of `now`: a new day starts with no calls; expired cache entries are dropped. */
export function currentBudget(b: CoachBudget | undefined, now: number, limits: CoachLimits): CoachBudget {
  const day = utcDay(now);
  if (b === undefined) return { day, calls: 0, cache: [] };
  const cache = b.cache.filter((e) => now - e.at < limits.cacheTtlMs && e.at <= now);
  return { ...b, day, calls: b.day === day ? b.calls : 0, cache };
}

/** A cached answer for (persona, stateHash) still within its lifetime. */
export function cachedAnswer(b: CoachBudget, persona: Persona, stateHash: string): CoachCacheEntry | undefined {
  return b.cache.find((e) => e.persona === persona && e.stateHash === stateHash);
}

export type CoachPlan = { kind: 'call' } | { kind: 'skip'; reason: 'daily_budget' | 'interval' };

/** Whether an LLM call is allowed now for a state of this severity. */
export function planCall(b: CoachBudget, severity: number, now: number, limits: CoachLimits): CoachPlan {
  if (b.calls >= limits.callsPerDay) return { kind: 'skip', reason: 'daily_budget' };
  const recent = b.lastCallAt !== undefined && now - b.lastCallAt < limits.minIntervalMs && now >= b.lastCallAt;
  const worse = b.lastSeverity === undefined || severity > b.lastSeverity;
  if (recent && !worse) return { kind: 'skip', reason: 'interval' };
  return { kind: 'call' };
}

/** The budget with one more call reserved. */
export function withCall(b: CoachBudget, now: number, severity: number): CoachBudget {
  return { ...b, calls: b.calls + 1, lastCallAt: now, lastSeverity: severity };
}

/** The budget with an answer cached (replacing one for the same key; the oldest goes first). */
export function withCached(b: CoachBudget, entry: CoachCacheEntry): CoachBudget {
  const others = b.cache.filter((e) => e.persona !== entry.persona || e.stateHash !== entry.stateHash);
  return { ...b, cache: [...others, entry].slice(-COACH_CACHE_SIZE) };
}
