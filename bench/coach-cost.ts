/**
 * What the LLM coach costs per device-month (issue 14), from measured tokens: the same
 * simulated device-days as bench/coach-calls.ts replayed through the real `reason()`
 * loop and BudgetedCoach, but the LLM coach is the real BedrockCoach on the real
 * `@aws-sdk/client-bedrock-runtime` client, talking to the local Bedrock service
 * (started in-process with the local stack). Every request is built by `coachRequest`
 * from the scenario's real predictions, for both personas; its `usage` is read from
 * the answer. The local service has no tokenizer: it estimates tokens as characters / 4
 * of the whole request (system, messages, tool spec) and of the answer, which the
 * output says. Cost = calls per device-day (measured p50 and max, and the cap) × 30 ×
 * tokens per call × the default model's on-demand price (stated with its date), plus
 * one daily explanation (a Converse call without tools, from a representative prompt).
 *
 *   npx tsx bench/coach-cost.ts [--seeds 3] [--batch-seconds 30] [--days 1]
 *
 * Prints one JSON object. Not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { z } from 'zod';
import { createBedrockRuntimeClient } from '../common/bedrock-client';
import { BedrockCoach, DEFAULT_COACH_LIMITS, systemPrompt } from '../functions/index';
import { startLocalStack } from '../local/index';
import { COACH_DEFAULT_MODEL_ID } from '../protocol/resources';
import { PERSONAS as COACH_PERSONAS, type Persona } from '../protocol/shadows';
import { benchFlags, round } from './broker-support';
import { distribution, figuresByPlan, replayFleet } from './coach-figures';
import { DAY_METHOD, type DeviceDay } from './coach-replay';

/** The default model's on-demand price. It changes: check it before budgeting. */
export const COACH_PRICES = {
  modelId: COACH_DEFAULT_MODEL_ID,
  asOf: 'Claude Haiku 4.5 as published by Anthropic at launch (October 2025); Amazon Bedrock on-demand lists the same in US regions. Not re-checked when this bench ran: the machine has no network',
  inputPerMillionUsd: 1.0,
  outputPerMillionUsd: 5.0,
  caveat:
    'AWS documents global cross-Region inference as about 10 % cheaper than geographic profiles for the Claude 4.5 generation; if $1/$5 is the global price, the us. profile of the default model id may cost about 10 % more',
} as const;

/** Input tokens Anthropic adds to a request that forces a tool (its tool-use system prompt; 313 for `tool_choice` any/tool on current Claude models). Not in the local estimate. */
const TOOL_USE_SYSTEM_PROMPT_TOKENS = 313;
const MAX_TOKENS = 300;
const DAYS_PER_MONTH = 30;

const flags = benchFlags(
  { seeds: { type: 'string' }, 'batch-seconds': { type: 'string' }, days: { type: 'string' } },
  z.object({
    seeds: z.coerce.number().int().min(1).max(20).default(3),
    'batch-seconds': z.coerce.number().int().min(5).max(300).default(30),
    days: z.coerce.number().int().min(1).max(14).default(1),
  }),
);

type Usage = { inputTokens: number; outputTokens: number };

/** USD for `calls` calls of this many tokens each, per device-month. */
function monthly(callsPerDay: number, t: Usage): number {
  const perCall = (t.inputTokens * COACH_PRICES.inputPerMillionUsd + t.outputTokens * COACH_PRICES.outputPerMillionUsd) / 1e6;
  return round(callsPerDay * DAYS_PER_MONTH * perCall, 4);
}

/** Mean tokens per call (rounded), and their distributions. */
function tokenFigures(usage: readonly Usage[]): { mean: Usage; input: object; output: object; calls: number } {
  const input = distribution(usage.map((u) => u.inputTokens));
  const output = distribution(usage.map((u) => u.outputTokens));
  return { calls: usage.length, mean: { inputTokens: Math.round(input.mean), outputTokens: Math.round(output.mean) }, input, output };
}

/**
 * A representative daily explanation request: the persona's system prompt and a day's
 * summary as facts (the shape of the `daily` record and its anomalies). No such code
 * exists yet; this only sizes the call.
 */
function explanationRequest(persona: Persona) {
  const facts = [
    'Explain the wearer’s day in two or three short sentences.',
    '<facts>',
    'day: 2025-01-06',
    'resting_hr: 63 bpm (usual 60 ± 1.5)',
    'hrv_rest: ln RMSSD 3.82 (usual 3.96 ± 0.12)',
    'sleep: 398 min (usual 450 ± 30)',
    'steps: 8450',
    'active: 74 min',
    'stress: 55 min',
    'skin_temp: 33.4 °C',
    'readiness: 41 of 100 (normal band)',
    'energy at day end: 3 of 12 spoons',
    'anomalies: sleep low (z -1.9 vs 30 days), stress high (z 2.3 vs 30 days)',
    '</facts>',
  ].join('\n');
  return {
    modelId: COACH_DEFAULT_MODEL_ID,
    system: [{ text: systemPrompt(persona) }],
    messages: [{ role: 'user' as const, content: [{ text: facts }] }],
    inferenceConfig: { maxTokens: MAX_TOKENS, temperature: 0.2 },
  };
}

async function measureExplanation(client: BedrockRuntimeClient): Promise<Record<Persona, Usage>> {
  const out = {} as Record<Persona, Usage>;
  for (const persona of COACH_PERSONAS) {
    const r = await client.send(new ConverseCommand(explanationRequest(persona)));
    out[persona] = { inputTokens: r.usage?.inputTokens ?? 0, outputTokens: r.usage?.outputTokens ?? 0 };
  }
  return out;
}

/** The coach's and the explanation's cost per device-month at the measured calls per day. */
function costs(days: readonly DeviceDay[], coach: Usage, explanation: Usage, callsPerDay: { p50: number; max: number }) {
  const billed = { inputTokens: coach.inputTokens + TOOL_USE_SYSTEM_PROMPT_TOKENS, outputTokens: coach.outputTokens };
  const bound = { inputTokens: billed.inputTokens, outputTokens: MAX_TOKENS };
  const at = (t: Usage) => ({ p50: monthly(callsPerDay.p50, t), max: monthly(callsPerDay.max, t), cap: monthly(DEFAULT_COACH_LIMITS.callsPerDay, t) });
  const explain = { measured: monthly(1, explanation), upperBound: monthly(1, { inputTokens: explanation.inputTokens, outputTokens: MAX_TOKENS }) };
  return {
    deviceDays: days.length,
    coachUsd: { measuredTokens: at(coach), withToolUseSystemPrompt: at(billed), upperBoundMaxTokens: at(bound) },
    dailyExplanationUsd: explain,
    totalUsd: {
      p50: round(monthly(callsPerDay.p50, billed) + explain.measured, 4),
      max: round(monthly(callsPerDay.max, billed) + explain.measured, 4),
      upperBound: round(monthly(DEFAULT_COACH_LIMITS.callsPerDay, bound) + explain.upperBound, 4),
    },
    how: {
      coach: `calls per device-day × ${DAYS_PER_MONTH} × (mean input tokens × input price + mean output tokens × output price); withToolUseSystemPrompt adds ${TOOL_USE_SYSTEM_PROMPT_TOKENS} input tokens per call (Anthropic's tool-use system prompt for a forced tool, billed, not in the local estimate); upperBoundMaxTokens bills every answer at maxTokens ${MAX_TOKENS}`,
      dailyExplanation: `one Converse call without tools per device-day, sized from a representative prompt (the persona's system prompt and a day's summary facts) sent to the local Bedrock service; the local answer is one short sentence, so upperBound bills it at maxTokens ${MAX_TOKENS}`,
      total: 'coach with the tool-use system prompt + daily explanation as measured; upperBound: 8 calls a day at maxTokens + the explanation at maxTokens',
    },
  };
}

const started = performance.now();
const dir = mkdtempSync(join(tmpdir(), 'pp-bench-coach-cost-'));
const stack = await startLocalStack({ dataDir: dir });
const client = createBedrockRuntimeClient({ endpoint: stack.httpEndpoint, region: stack.region, credentials: { ...stack.credentials }, maxAttempts: 1 });
try {
  const llm = new BedrockCoach(client, { modelId: COACH_DEFAULT_MODEL_ID, deadlineMs: 8_000, maxTokens: MAX_TOKENS });
  const days = await replayFleet({ seeds: flags.seeds, days: flags.days, stepMs: flags['batch-seconds'] * 1000, limits: DEFAULT_COACH_LIMITS, llm });
  const { overall } = figuresByPlan(days, DEFAULT_COACH_LIMITS);
  const callsPerDay = (overall as { llmCallsPerDay: { p50: number; max: number } }).llmCallsPerDay;
  const tokens = tokenFigures(days.flatMap((d) => d.usage));
  const byPersona = Object.fromEntries(COACH_PERSONAS.map((p) => [p, tokenFigures(days.filter((d) => d.coachPersona === p).flatMap((d) => d.usage)).mean]));
  const explanation = await measureExplanation(client);
  const explanationMean = {
    inputTokens: Math.round((explanation.strict.inputTokens + explanation.encouraging.inputTokens) / 2),
    outputTokens: Math.round((explanation.strict.outputTokens + explanation.encouraging.outputTokens) / 2),
  };
  process.stdout.write(
    `${JSON.stringify({
      bench: 'coach-cost',
      batchSeconds: flags['batch-seconds'],
      seedsPerScenario: flags.seeds,
      daysPerDevice: flags.days,
      howDaysAreMade: DAY_METHOD,
      prices: COACH_PRICES,
      llmCallsPerDay: callsPerDay,
      fallbacks: days.reduce((n, d) => n + d.fallback, 0),
      tokensPerCoachCall: { ...tokens, byPersona, source: 'usage of the local Bedrock service: an estimate, characters / 4 of the request (system, messages, tool spec) and of the answer; not a tokenizer' },
      dailyExplanationTokens: { ...explanation, source: 'representative prompt, local estimate (characters / 4)' },
      costPerDeviceMonth: costs(days, tokens.mean, explanationMean, callsPerDay),
      elapsedSeconds: Math.round((performance.now() - started) / 1000),
    })}\n`,
  );
} finally {
  client.destroy();
  await stack.close();
  rmSync(dir, { recursive: true, force: true });
}
