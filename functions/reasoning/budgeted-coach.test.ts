import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { type CoachBudget, CoachBudgetSchema, moodSeverity } from '../../protocol/coach';
import type { Mood } from '../../protocol/shadows';
import { prediction } from '../../test/support/functions/prediction';
import { type ShadowHarness, startShadowHarness } from '../../test/support/local/shadow/harness';
import { ConverseFailure } from '../shared/converse-call';
import type { LlmAnswer, LlmCoach } from './bedrock-coach';
import { BudgetedCoach } from './budgeted-coach';
import { type CoachLimits, DEFAULT_COACH_LIMITS } from './coach-budget';
import { DeterministicCoach } from './deterministic-coach';
import type { CoachInput } from './ports';
import { iotDataShadows } from './shadow-adapter';

/**
 * The budget against the real local shadow service through the real client: separate
 * BudgetedCoach instances stand for cold starts and concurrent invocations; they share
 * nothing but the `reasoning` shadow.
 */

let h: ShadowHarness;
let client: IoTDataPlaneClient;
beforeAll(async () => {
  h = await startShadowHarness();
  // the SDK's retries wait out the per-thing shadow rate limit (20 requests/s) concurrent calls reach
  client = new IoTDataPlaneClient({ endpoint: h.gatewayUrl, region: h.stack.region, credentials: h.credentials, maxAttempts: 10 });
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await h?.close();
});

/** An LLM that counts its calls and answers a fixed, valid wording (or fails as told). */
function countingLlm(fail?: () => Error): LlmCoach & { calls: number } {
  const llm = {
    calls: 0,
    async word(input: CoachInput): Promise<LlmAnswer> {
      llm.calls++;
      if (fail) throw fail();
      return { words: { message: `LLM words for ${input.mood}`, animation: 'breathe', suggestion: 'Breathe slowly.' }, usage: { inputTokens: 700, outputTokens: 90 }, attempts: 1, latencyMs: 12 };
    },
  };
  return llm;
}

function coach(llm: LlmCoach, limits: CoachLimits = DEFAULT_COACH_LIMITS) {
  const lines: Record<string, unknown>[] = [];
  const c = new BudgetedCoach({
    llm,
    fallback: new DeterministicCoach(),
    shadows: iotDataShadows(client),
    limits,
    logger: silentLogger(),
    metrics: (line) => lines.push(JSON.parse(line)),
  });
  return { c, lines };
}

const T = Date.parse('2026-12-05T10:00:00Z');
function input(thing: string, mood: Mood, hash: string, now = T): CoachInput {
  return { thing, persona: 'encouraging', prediction: prediction(mood === 'stressed' ? { stress: 'stress' } : {}), mood, stateHash: hash, now };
}

async function budgetOf(thing: string): Promise<CoachBudget | undefined> {
  const r = await iotDataShadows(client).get(thing, 'reasoning');
  return CoachBudgetSchema.parse(r?.reported?.coach);
}

describe('Budgeted coach', () => {
  it('answers the same persona and state from the cache within 30 minutes, without a call', async () => {
    const llm = countingLlm();
    const { c, lines } = coach(llm);
    const first = await c.speak(input('cache-1', 'stressed', 'h1'));
    const again = await coach(llm).c.speak(input('cache-1', 'stressed', 'h1', T + 20 * 60_000));
    expect(first).toMatchObject({ source: 'llm', message: 'LLM words for stressed', animation: 'breathe' });
    expect(again).toMatchObject({ source: 'cached', message: 'LLM words for stressed', animation: 'breathe' });
    const other = await c.speak({ ...input('cache-1', 'stressed', 'h1', T + 21 * 60_000), persona: 'strict' });
    expect(other.source).not.toBe('cached');
    expect(llm.calls).toBe(1);
    expect(lines[0]).toMatchObject({ Outcome: 'llm', FunctionName: 'pulsepet-reasoning', CoachRequests: 1, CoachInputTokens: 700, CoachOutputTokens: 90, CoachLatency: 12 });
    const emf = lines[0]?._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] } | undefined;
    expect(emf?.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'pulsepet',
      Dimensions: [['FunctionName', 'Outcome']],
    });
  });

  it('holds 8 calls a day across cold starts and concurrent invocations (version-checked in the reasoning shadow)', async () => {
    const llm = countingLlm();
    const noInterval = { ...DEFAULT_COACH_LIMITS, minIntervalMs: 0, minorChangeMs: 0 };
    const instances = [coach(llm, noInterval), coach(llm, noInterval), coach(llm, noInterval)];
    const results = await Promise.all(Array.from({ length: 14 }, (_, i) => instances[i % 3]!.c.speak(input('budget-1', 'stressed', `s${i}`, T + i))));
    expect(llm.calls).toBe(8);
    expect(results.filter((r) => r.source === 'llm')).toHaveLength(8);
    expect(results.filter((r) => r.source === 'deterministic')).toHaveLength(6);
    expect(await budgetOf('budget-1')).toMatchObject({ day: '2026-12-05', calls: 8 });
    const skipped = instances.flatMap((i) => i.lines).filter((l) => l.Outcome === 'budget_skipped');
    expect(skipped.map((l) => l.reason)).toEqual(Array(6).fill('daily_budget'));
    // the next UTC day has a budget again
    await instances[0]!.c.speak(input('budget-1', 'stressed', 'next-day', Date.parse('2026-12-06T08:00:00Z')));
    expect(llm.calls).toBe(9);
  });

  it('skips the LLM within 30 minutes of the last call unless the state got worse', async () => {
    const llm = countingLlm();
    const { c, lines } = coach(llm);
    expect((await c.speak(input('interval-1', 'calm', 'c1'))).source).toBe('llm');
    expect((await c.speak(input('interval-1', 'happy', 'c2', T + 10 * 60_000))).source).toBe('deterministic');
    expect((await c.speak(input('interval-1', 'stressed', 'c3', T + 11 * 60_000))).source).toBe('llm');
    expect(moodSeverity('stressed')).toBeGreaterThan(moodSeverity('calm'));
    expect((await c.speak(input('interval-1', 'calm', 'c4', T + 45 * 60_000))).source).toBe('llm');
    expect(llm.calls).toBe(3);
    expect(lines.map((l) => [l.Outcome, l.reason])).toEqual([['llm', undefined], ['budget_skipped', 'interval'], ['llm', undefined], ['llm', undefined]]);
  });

  it('falls back to the deterministic coach on a failed call and says why, with the tokens a malformed answer cost', async () => {
    const throttled = coach(countingLlm(() => new ConverseFailure('throttled', 'slow down', 3)));
    const words = await throttled.c.speak(input('fail-1', 'stressed', 'f1'));
    expect(words.source).toBe('deterministic');
    expect(words.message).toBe((await new DeterministicCoach().speak(input('fail-1', 'stressed', 'f1'))).message);
    expect(throttled.lines[0]).toMatchObject({ Outcome: 'fallback', reason: 'throttled', attempts: 3, CoachInputTokens: 0 });
    const malformed = coach(countingLlm(() => new ConverseFailure('malformed', 'bad input', 1, { inputTokens: 650, outputTokens: 80 })));
    await malformed.c.speak(input('fail-2', 'stressed', 'f2'));
    expect(malformed.lines[0]).toMatchObject({ Outcome: 'fallback', reason: 'malformed', CoachInputTokens: 650, CoachOutputTokens: 80 });
    const broken = coach(countingLlm(() => new TypeError('unexpected')));
    expect((await broken.c.speak(input('fail-3', 'calm', 'f3'))).source).toBe('deterministic');
    expect(broken.lines[0]).toMatchObject({ Outcome: 'fallback', reason: 'error' });
  });
});
