import type { ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import type { DailyAnomaly, DailyMetrics } from '../../protocol/daily';
import { ConverseFailure } from '../shared/converse-call';
import { explainFactLines, explainRequest, parseExplanationAnswer } from './explain-prompt';
import type { ExplainInput } from './explain-words';

const metrics: DailyMetrics = { day: '2024-05-01', restingHrBpm: 52.04, lnRmssdRest: 3.8, steps: 9720, activeMin: 60, stressMin: 30, sleepMin: 360, samples: 8640 };
const low = (windowDays: 30 | 60, z: number): DailyAnomaly => ({ metric: 'restingHrBpm', windowDays, value: 52.04, mean: 60, sd: 2, z, direction: 'low' });
const input: ExplainInput = { thing: 'pet-1', day: '2024-05-01', persona: 'strict', metrics, anomalies: [low(30, -3.98), low(60, -2.5)], judged: true };

function answer(text: string | undefined, stopReason: ConverseCommandOutput['stopReason'] = 'end_turn'): ConverseCommandOutput {
  return {
    $metadata: {},
    output: { message: { role: 'assistant', content: text === undefined ? [] : [{ text }] } },
    stopReason,
    usage: { inputTokens: 320, outputTokens: 60, totalTokens: 380 },
    metrics: { latencyMs: 5 },
  };
}

const failure = (f: () => unknown): ConverseFailure => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConverseFailure) return e;
    throw e;
  }
  throw new Error('no ConverseFailure');
};

describe('Function: explainRequest', () => {
  it('asks Converse without tools, in the persona, for a short answer at a low temperature', () => {
    const r = explainRequest(input, 'us.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(r.toolConfig).toBeUndefined();
    expect(r.inferenceConfig).toEqual({ maxTokens: 250, temperature: 0.2 });
    expect(r.system?.[0]?.text).toMatch(/^Persona: strict coach/);
    expect(explainRequest({ ...input, persona: 'encouraging' }, 'm').system?.[0]?.text).not.toMatch(/\bstrict\b/);
    expect(r.messages?.[0]?.content?.[0]?.text).toContain('<facts>\nanomaly: resting heart rate lower than usual');
  });
});

describe('Function: explainFactLines', () => {
  it('lists the anomalies first, one per metric with every window’s z, then the metrics the day has', () => {
    expect(explainFactLines(input)).toEqual([
      'anomaly: resting heart rate lower than usual, 52 bpm vs usual 60 bpm (z -4.0 against the last 30 days, z -2.5 against the last 60 days)',
      'resting heart rate: 52 bpm',
      'heart rate variability: RMSSD 45 ms',
      'step count: 9720 steps',
      'active minutes: 60 min',
      'stress minutes: 30 min',
      'sleep: 6 h 0 min',
    ]);
  });

  it('says when nothing was flagged, and when nothing could be judged yet', () => {
    expect(explainFactLines({ ...input, anomalies: [] })[0]).toBe('anomalies: none, every metric within the wearer’s normal range');
    expect(explainFactLines({ ...input, anomalies: [], judged: false })[0]).toBe('anomalies: not judged yet, under 7 earlier days to compare with');
  });
});

describe('Function: parseExplanationAnswer', () => {
  it('takes a finished text answer as plain text', () => {
    expect(parseExplanationAnswer(answer('Resting heart rate **lower** than usual.\n\nKeep your routine.'), input)).toBe('Resting heart rate lower than usual. Keep your routine.');
  });

  it('keeps the finished sentences of an answer cut by max_tokens', () => {
    expect(parseExplanationAnswer(answer('Resting heart rate lower than usual. Rest and', 'max_tokens'), input)).toBe('Resting heart rate lower than usual.');
    expect(failure(() => parseExplanationAnswer(answer('Resting heart rate lower', 'max_tokens'), input)).message).toMatch(/before its first sentence ended/);
  });

  it('cuts a long answer to 600 characters at a sentence end', () => {
    const text = parseExplanationAnswer(answer('Your resting heart rate was lower than usual. '.repeat(20)), input);
    expect(text.length).toBeLessThanOrEqual(600);
    expect(text.endsWith('usual.')).toBe(true);
  });

  it.each([
    [answer(undefined), /no text/],
    [answer('   '), /no text/],
    [answer('Blocked.', 'guardrail_intervened'), /stopReason guardrail_intervened/],
    [answer('Your sleep was shorter than usual.'), /calls sleepMin unusual/],
    [answer('Your resting heart rate was low, a sign of illness.'), /"illness"/],
  ])('discards an unusable answer as malformed, with the tokens it cost (%#)', (out, why) => {
    const f = failure(() => parseExplanationAnswer(out, input, 2));
    expect(f).toMatchObject({ reason: 'malformed', attempts: 2, usage: { inputTokens: 320, outputTokens: 60 } });
    expect(f.message).toMatch(why);
  });
});
