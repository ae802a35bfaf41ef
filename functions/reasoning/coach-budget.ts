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
}

export const DEFAULT_COACH_LIMITS: CoachLimits = Object.freeze({ callsPerDay: 8, minIntervalMs: 30 * 60_000, cacheTtlMs: 30 * 60_000 });

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

/** The cache with an answer added (replacing one for the same key; the oldest goes first). */
export function withCached(c: CoachCache, entry: CoachCacheEntry): CoachCache {
  const others = c.entries.filter((e) => e.persona !== entry.persona || e.stateHash !== entry.stateHash);
  return { entries: [...others, entry].slice(-COACH_CACHE_SIZE) };
}
