import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import type { DailyAnomaly } from '../../protocol/daily';
import { ConverseFailure } from '../shared/converse-call';
import { templateExplanation } from './explain-words';
import { DayExplainer, type LlmExplainer } from './explainer';

const NOW = Date.UTC(2024, 4, 2, 0, 15);
const rhr: DailyAnomaly = { metric: 'restingHrBpm', windowDays: 30, value: 66, mean: 58, sd: 2, z: 4, direction: 'high' };
const input = {
  thing: 'pet-1',
  day: '2024-05-01',
  persona: 'encouraging' as const,
  metrics: { day: '2024-05-01', restingHrBpm: 66, steps: 8000, activeMin: 40, stressMin: 20, samples: 8640 },
  anomalies: [rhr],
  judged: true,
};

function explainer(llm: LlmExplainer | undefined) {
  const lines: Array<Record<string, unknown>> = [];
  const deadlines: number[] = [];
  const counted: LlmExplainer | undefined = llm && {
    word: (i, deadline) => {
      deadlines.push(deadline);
      return llm.word(i, deadline);
    },
  };
  const e = new DayExplainer({ llm: counted, deadlineMs: 8_000, logger: silentLogger(), metrics: (l) => lines.push(JSON.parse(l)), clock: () => NOW });
  return { e, lines, deadlines };
}

const words: LlmExplainer = { word: async () => ({ text: 'Your resting heart rate ran higher than usual. Rest up.', usage: { inputTokens: 300, outputTokens: 40 }, attempts: 2, latencyMs: 900 }) };
const failing = (e: unknown): LlmExplainer => ({
  word: async () => {
    throw e;
  },
});

describe('Class: DayExplainer', () => {
  it('keeps the LLM’s words and counts the call with its tokens in an EMF line', async () => {
    const x = explainer(words);
    expect(await x.e.explain(input)).toEqual({ text: 'Your resting heart rate ran higher than usual. Rest up.', source: 'llm' });
    expect(x.deadlines).toEqual([NOW + 8_000]);
    expect(x.lines).toHaveLength(1);
    expect(x.lines[0]).toMatchObject({
      FunctionName: 'pulsepet-daily-summary',
      Outcome: 'llm',
      ExplainRequests: 1,
      ExplainInputTokens: 300,
      ExplainOutputTokens: 40,
      ExplainLatency: 900,
      thing: 'pet-1',
      day: '2024-05-01',
      persona: 'encouraging',
      attempts: 2,
    });
    expect(x.lines[0]?._aws).toMatchObject({ CloudWatchMetrics: [{ Namespace: 'pulsepet', Dimensions: [['FunctionName', 'Outcome']] }] });
  });

  it('falls back to the template when Bedrock gives up, counting the reason, attempts and billed tokens', async () => {
    const x = explainer(failing(new ConverseFailure('malformed', 'explanation discarded: calls sleepMin unusual', 1, { inputTokens: 310, outputTokens: 55 })));
    expect(await x.e.explain(input)).toEqual({ text: templateExplanation(input), source: 'deterministic' });
    expect(x.lines[0]).toMatchObject({ Outcome: 'fallback', reason: 'malformed', attempts: 1, ExplainInputTokens: 310, ExplainOutputTokens: 55 });
    expect(x.lines[0]).not.toHaveProperty('ExplainLatency');

    const t = explainer(failing(new ConverseFailure('throttled', 'Converse throttled on attempt 3', 3)));
    expect((await t.e.explain(input)).source).toBe('deterministic');
    expect(t.lines[0]).toMatchObject({ Outcome: 'fallback', reason: 'throttled', attempts: 3, ExplainInputTokens: 0 });
  });

  it('falls back on an unexpected error too: the day is still explained', async () => {
    const x = explainer(failing(new TypeError('boom')));
    expect((await x.e.explain(input)).source).toBe('deterministic');
    expect(x.lines[0]).toMatchObject({ Outcome: 'fallback', reason: 'error' });
  });

  it('uses the template without a call when the LLM is off', async () => {
    const x = explainer(undefined);
    expect(await x.e.explain(input)).toEqual({ text: templateExplanation(input), source: 'deterministic' });
    expect(x.lines[0]).toMatchObject({ Outcome: 'fallback', reason: 'disabled' });
  });

  it('keeps the call within the run’s deadline, and skips it when under a second is left', async () => {
    const x = explainer(words);
    expect((await x.e.explain(input, NOW + 3_000)).source).toBe('llm');
    expect((await x.e.explain(input, NOW + 999)).source).toBe('deterministic');
    expect(x.deadlines).toEqual([NOW + 3_000]);
    expect(x.lines[1]).toMatchObject({ Outcome: 'fallback', reason: 'deadline' });
  });
});
