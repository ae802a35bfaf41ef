/**
 * The coach the reasoning loop talks to: the LLM coach within its budget, the
 * deterministic coach otherwise. Per state change it answers from the cache (same
 * persona and stateHash within 30 minutes, the `reasoning-coach` shadow), or skips the
 * LLM when the day's calls or the interval are used up, or reserves a call in the
 * `reasoning` shadow — a version-checked update, so cold starts and concurrent
 * invocations share one budget — and asks the LLM, falling back to the deterministic
 * wording on any failure. Every
 * outcome is logged and emitted as a CloudWatch EMF metric with its tokens.
 */
import type { Logger } from '../../common/logger';
import { type CoachBudget, CoachBudgetSchema, type CoachCache, type CoachCacheEntry, CoachCacheSchema, moodSeverity } from '../../protocol/coach';
import { FUNCTION_NAMES } from '../../protocol/resources';
import { COACH_CACHE_SHADOW, REASONING_SHADOW } from '../../protocol/topics';
import { ConverseFailure } from '../shared/converse-call';
import { type EmfSink, emitMetrics } from '../shared/emf';
import type { LlmAnswer, LlmCoach } from './bedrock-coach';
import { type CoachLimits, cachedAnswer, currentBudget, currentCache, planCall, withCached, withCall } from './coach-budget';
import type { Coach, CoachInput, CoachWords, ShadowPort } from './ports';

export type CoachOutcome = 'llm' | 'cached' | 'budget_skipped' | 'fallback';

export interface BudgetedCoachDeps {
  llm: LlmCoach;
  fallback: Coach;
  shadows: ShadowPort;
  limits: CoachLimits;
  logger: Logger;
  metrics: EmfSink;
  /** the wall clock, for metric timestamps (budgets count in the input's data time) */
  clock?: () => number;
}

/**
 * Reservation attempts. A lost race means another invocation's version-checked write landed
 * first; on the coach's part of the shadow those are reservations, at most `callsPerDay` a
 * day, so `callsPerDay + 2` reads settle every contender unless other writers race too.
 */
function reserveAttempts(limits: CoachLimits): number {
  return Math.max(5, limits.callsPerDay + 2);
}

/** A short, jittered pause after a lost race, so contenders do not collide again in lockstep. */
function contentionPause(attempt: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.floor(Math.random() * 10 * attempt)));
}

/** The coach's part of a reasoning shadow's `reported`, read on its own (the rest may be of a later version). */
function budgetIn(reported: Record<string, unknown> | undefined): CoachBudget | undefined {
  const parsed = CoachBudgetSchema.safeParse(reported?.coach);
  return parsed.success ? parsed.data : undefined;
}

function cacheIn(reported: Record<string, unknown> | undefined): CoachCache | undefined {
  const parsed = CoachCacheSchema.safeParse(reported);
  return parsed.success ? parsed.data : undefined;
}

export class BudgetedCoach implements Coach {
  constructor(private readonly d: BudgetedCoachDeps) {}

  async speak(input: CoachInput): Promise<CoachWords> {
    const state = { severity: moodSeverity(input.mood), key: `${input.mood}|${input.prediction.readiness.band}|${input.prediction.stress.state}`, noSignal: input.prediction.stress.state === 'unknown' };
    const cached = await this.d.shadows.get(input.thing, COACH_CACHE_SHADOW);
    const hit = cachedAnswer(currentCache(cacheIn(cached?.reported), input.now, this.d.limits), input.persona, input.stateHash);
    if (hit) {
      this.record(input, 'cached', {});
      const { message, animation, suggestion, mood } = hit;
      return { message, source: 'cached', ...(animation ? { animation } : {}), ...(suggestion ? { suggestion } : {}), ...(mood ? { mood } : {}) };
    }
    const attempts = reserveAttempts(this.d.limits);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await contentionPause(attempt);
      const stored = await this.d.shadows.get(input.thing, REASONING_SHADOW);
      const budget = currentBudget(budgetIn(stored?.reported), input.now);
      const plan = planCall(budget, state, input.now, this.d.limits);
      if (plan.kind === 'skip') return this.fallBack(input, 'budget_skipped', plan.reason);
      const reserved = withCall(budget, input.now, state);
      const v = await this.d.shadows.update(input.thing, REASONING_SHADOW, { reported: { coach: reserved } }, stored?.version ?? 0);
      if (v !== 'conflict') return this.call(input);
    }
    return this.fallBack(input, 'fallback', 'budget_contended');
  }

  private async call(input: CoachInput): Promise<CoachWords> {
    let answer: LlmAnswer;
    try {
      answer = await this.d.llm.word(input);
    } catch (e) {
      const failure = e instanceof ConverseFailure ? e : undefined;
      if (failure === undefined) this.d.logger.warn({ err: e, thing: input.thing }, 'coach call failed unexpectedly');
      return this.fallBack(input, 'fallback', failure?.reason ?? 'error', failure);
    }
    this.record(input, 'llm', { usage: answer.usage, attempts: answer.attempts, latencyMs: answer.latencyMs });
    const { message, animation, suggestion, mood } = answer.words;
    await this.remember(input, { persona: input.persona, stateHash: input.stateHash, at: input.now, message, animation, suggestion, ...(mood ? { mood } : {}) });
    return { message, animation, suggestion, source: 'llm', ...(mood ? { mood } : {}) };
  }

  private async fallBack(input: CoachInput, outcome: CoachOutcome, reason: string, failure?: ConverseFailure): Promise<CoachWords> {
    this.record(input, outcome, { reason, ...(failure?.usage ? { usage: failure.usage } : {}), ...(failure ? { attempts: failure.attempts } : {}) });
    return this.d.fallback.speak(input);
  }

  /** Caches an answer in the `reasoning-coach` shadow; losing it only costs a later call, so failures are logged. */
  private async remember(input: CoachInput, entry: CoachCacheEntry): Promise<void> {
    try {
      const attempts = reserveAttempts(this.d.limits);
      for (let attempt = 1; attempt <= attempts; attempt++) {
        if (attempt > 1) await contentionPause(attempt);
        const stored = await this.d.shadows.get(input.thing, COACH_CACHE_SHADOW);
        const cache = withCached(currentCache(cacheIn(stored?.reported), input.now, this.d.limits), entry);
        const v = await this.d.shadows.update(input.thing, COACH_CACHE_SHADOW, { reported: cache }, stored?.version ?? 0);
        if (v !== 'conflict') return;
      }
      this.d.logger.warn({ thing: input.thing }, 'coach answer not cached: the cache shadow kept changing');
    } catch (e) {
      this.d.logger.warn({ err: e, thing: input.thing }, 'coach answer not cached');
    }
  }

  private record(
    input: CoachInput,
    outcome: CoachOutcome,
    o: { reason?: string; usage?: { inputTokens: number; outputTokens: number }; attempts?: number; latencyMs?: number },
  ): void {
    const tokens = o.usage ?? { inputTokens: 0, outputTokens: 0 };
    this.d.logger.info({ thing: input.thing, outcome, persona: input.persona, stateHash: input.stateHash, ...o }, `coach ${outcome}${o.reason ? ` (${o.reason})` : ''}`);
    emitMetrics(
      this.d.metrics,
      {
        namespace: 'pulsepet',
        dimensions: { FunctionName: FUNCTION_NAMES.reasoning, Outcome: outcome },
        metrics: {
          CoachRequests: { value: 1, unit: 'Count' },
          CoachInputTokens: { value: tokens.inputTokens, unit: 'Count' },
          CoachOutputTokens: { value: tokens.outputTokens, unit: 'Count' },
          ...(o.latencyMs === undefined ? {} : { CoachLatency: { value: o.latencyMs, unit: 'Milliseconds' as const } }),
        },
        properties: { thing: input.thing, persona: input.persona, ...(o.reason ? { reason: o.reason } : {}), ...(o.attempts ? { attempts: o.attempts } : {}) },
      },
      (this.d.clock ?? Date.now)(),
    );
  }
}
