/**
 * The LLM coach's one call: Bedrock `Converse` with the `set_pet_state` tool forced,
 * the persona's system prompt and the verdict as facts (coach-prompt.ts). The answer is
 * used only when it is a `tool_use` of that tool whose input passes the zod schema,
 * narrowed to the moods and animations the models allow for this state; anything else
 * is a {@link ConverseFailure} with reason `malformed`, and the caller falls back.
 */
import type { BedrockRuntimeClient, ConverseCommandInput, ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { SET_PET_STATE_TOOL, type SetPetStateInput, setPetStateFor } from '../../protocol/coach';
import { ConverseFailure, type ConverseRetryOptions, converseWithRetry, usageOf } from '../shared/converse-call';
import { systemPrompt, userPrompt } from './coach-prompt';
import type { CoachInput } from './ports';

export interface LlmAnswer {
  words: SetPetStateInput;
  usage: { inputTokens: number; outputTokens: number };
  attempts: number;
  /** wall time of the call, retries included */
  latencyMs: number;
}

/** The LLM step behind the budget (a port, so budgets and benches can count without Bedrock). */
export interface LlmCoach {
  /** throws ConverseFailure when there is no usable answer */
  word(input: CoachInput): Promise<LlmAnswer>;
}

export interface BedrockCoachOptions {
  modelId: string;
  /** how long one coach call may take in all, retries included */
  deadlineMs: number;
  maxTokens?: number;
  temperature?: number;
  retry?: Omit<ConverseRetryOptions, 'deadline'>;
}

/** The Converse request for one coach call. */
export function coachRequest(input: CoachInput, modelId: string, opts: { maxTokens?: number; temperature?: number } = {}): ConverseCommandInput {
  return {
    modelId,
    system: [{ text: systemPrompt(input.persona) }],
    messages: [{ role: 'user', content: [{ text: userPrompt(input) }] }],
    inferenceConfig: { maxTokens: opts.maxTokens ?? 300, temperature: opts.temperature ?? 0.2 },
    toolConfig: {
      tools: [{ toolSpec: setPetStateFor(input.mood).toolSpec as never }],
      toolChoice: { tool: { name: SET_PET_STATE_TOOL } },
    },
  };
}

/**
 * The tool input of a Converse answer, validated for this state; throws
 * ConverseFailure('malformed') when the answer is not a valid `set_pet_state` call.
 */
export function parseCoachAnswer(output: ConverseCommandOutput, input: Pick<CoachInput, 'mood'>, attempts = 1): SetPetStateInput {
  const usage = usageOf(output);
  const fail = (why: string) => new ConverseFailure('malformed', `coach answer discarded: ${why}`, attempts, usage);
  if (output.stopReason !== 'tool_use') throw fail(`stopReason ${String(output.stopReason)}, not tool_use`);
  const use = output.output?.message?.content?.find((b) => b.toolUse?.name === SET_PET_STATE_TOOL)?.toolUse;
  if (use === undefined) throw fail(`no ${SET_PET_STATE_TOOL} tool use in the answer`);
  const parsed = setPetStateFor(input.mood).schema.safeParse(use.input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).slice(0, 3);
    throw fail(`tool input out of schema (${problems.join('; ')})`);
  }
  return parsed.data;
}

export class BedrockCoach implements LlmCoach {
  constructor(
    private readonly client: BedrockRuntimeClient,
    private readonly opts: BedrockCoachOptions,
  ) {}

  async word(input: CoachInput): Promise<LlmAnswer> {
    const now = this.opts.retry?.now ?? Date.now;
    const request = coachRequest(input, this.opts.modelId, this.opts);
    const r = await converseWithRetry(this.client, request, { ...this.opts.retry, deadline: now() + this.opts.deadlineMs });
    const words = parseCoachAnswer(r.output, input, r.attempts);
    return { words, usage: usageOf(r.output), attempts: r.attempts, latencyMs: r.elapsedMs };
  }
}
