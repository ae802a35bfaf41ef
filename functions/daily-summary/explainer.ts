/**
 * The day's explanation: the LLM's wording (Bedrock Converse without tools, pulsepet's
 * retry policy within a deadline) when it is on, answers in time and passes the checks;
 * the deterministic template otherwise. Every outcome is logged and emitted as a
 * CloudWatch EMF metric line with the tokens the call cost.
 */
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { Logger } from '../../common/logger';
import type { DailyExplanation } from '../../protocol/daily';
import { FUNCTION_NAMES } from '../../protocol/resources';
import { ConverseFailure, type ConverseRetryOptions, converseWithRetry, usageOf } from '../shared/converse-call';
import { type EmfSink, emitMetrics } from '../shared/emf';
import { fitExplanation } from './explain-check';
import { explainRequest, parseExplanationAnswer } from './explain-prompt';
import { type ExplainInput, templateExplanation } from './explain-words';
import type { ExplainPort } from './ports';

type Usage = { inputTokens: number; outputTokens: number };

export interface LlmExplanation {
  text: string;
  usage: Usage;
  attempts: number;
  /** wall time of the call, retries included */
  latencyMs: number;
}

/** The LLM step (a port, so the outcome handling is tested without Bedrock). */
export interface LlmExplainer {
  /** throws ConverseFailure when there is no usable answer by `deadline` (epoch ms) */
  word(input: ExplainInput, deadline: number): Promise<LlmExplanation>;
}

export interface BedrockExplainerOptions {
  modelId: string;
  maxTokens?: number;
  temperature?: number;
  retry?: Omit<ConverseRetryOptions, 'deadline'>;
}

/** The explanation from Bedrock Converse; the client is built with `maxAttempts: 1` (converse-call.ts retries). */
export class BedrockExplainer implements LlmExplainer {
  constructor(
    private readonly client: BedrockRuntimeClient,
    private readonly opts: BedrockExplainerOptions,
  ) {}

  async word(input: ExplainInput, deadline: number): Promise<LlmExplanation> {
    const r = await converseWithRetry(this.client, explainRequest(input, this.opts.modelId, this.opts), { ...this.opts.retry, deadline });
    const text = parseExplanationAnswer(r.output, input, r.attempts);
    return { text, usage: usageOf(r.output), attempts: r.attempts, latencyMs: r.elapsedMs };
  }
}

export type ExplainOutcome = 'llm' | 'fallback';

export interface DayExplainerDeps {
  /** undefined: the LLM is off (PULSEPET_COACH=deterministic), every day gets the template */
  llm: LlmExplainer | undefined;
  /** one explanation in all, retries included */
  deadlineMs: number;
  logger: Logger;
  metrics: EmfSink;
  clock?: () => number;
}

/** Below this much time before the run's deadline the LLM is not asked (the template is instant). */
export const MIN_CALL_MS = 1_000;

/** The explanation port of the daily summary: the LLM with the template as fallback. */
export class DayExplainer implements ExplainPort {
  constructor(private readonly d: DayExplainerDeps) {}

  async explain(input: ExplainInput, runDeadline?: number): Promise<DailyExplanation> {
    if (this.d.llm === undefined) return this.fallBack(input, 'disabled');
    const now = (this.d.clock ?? Date.now)();
    const deadline = Math.min(now + this.d.deadlineMs, runDeadline ?? Number.POSITIVE_INFINITY);
    if (deadline - now < MIN_CALL_MS) return this.fallBack(input, 'deadline');
    try {
      const a = await this.d.llm.word(input, deadline);
      this.record(input, 'llm', { usage: a.usage, attempts: a.attempts, latencyMs: a.latencyMs });
      return { text: a.text, source: 'llm' };
    } catch (e) {
      const failure = e instanceof ConverseFailure ? e : undefined;
      if (failure === undefined) this.d.logger.warn({ err: e, thing: input.thing, day: input.day }, 'explanation call failed unexpectedly');
      return this.fallBack(input, failure?.reason ?? 'error', failure);
    }
  }

  private fallBack(input: ExplainInput, reason: string, failure?: ConverseFailure): DailyExplanation {
    this.record(input, 'fallback', { reason, ...(failure ? { attempts: failure.attempts, detail: failure.message.slice(0, 300) } : {}), ...(failure?.usage ? { usage: failure.usage } : {}) });
    return { text: fitExplanation(templateExplanation(input)), source: 'deterministic' };
  }

  private record(input: ExplainInput, outcome: ExplainOutcome, o: { reason?: string; detail?: string; usage?: Usage; attempts?: number; latencyMs?: number }): void {
    const tokens = o.usage ?? { inputTokens: 0, outputTokens: 0 };
    const { thing, day, persona } = input;
    this.d.logger.info({ thing, day, persona, outcome, ...o }, `daily explanation ${outcome}${o.reason ? ` (${o.reason})` : ''}`);
    emitMetrics(
      this.d.metrics,
      {
        namespace: 'pulsepet',
        dimensions: { FunctionName: FUNCTION_NAMES.dailySummary, Outcome: outcome },
        metrics: {
          ExplainRequests: { value: 1, unit: 'Count' },
          ExplainInputTokens: { value: tokens.inputTokens, unit: 'Count' },
          ExplainOutputTokens: { value: tokens.outputTokens, unit: 'Count' },
          ...(o.latencyMs === undefined ? {} : { ExplainLatency: { value: o.latencyMs, unit: 'Milliseconds' as const } }),
        },
        properties: { thing, day, persona, ...(o.reason ? { reason: o.reason } : {}), ...(o.attempts ? { attempts: o.attempts } : {}) },
      },
      (this.d.clock ?? Date.now)(),
    );
  }
}
