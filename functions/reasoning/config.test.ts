import { describe, expect, it } from 'vitest';
import { COACH_DEFAULT_MODEL_ID } from '../../protocol/resources';
import { loadReasoningConfig } from './config';

describe('Reasoning configuration', () => {
  it('defaults to the Bedrock coach on Claude Haiku with 8 calls a day, one per 30 minutes, a 30-minute cache', () => {
    const c = loadReasoningConfig({});
    expect(c.coach).toEqual({
      kind: 'bedrock',
      modelId: COACH_DEFAULT_MODEL_ID,
      deadlineMs: 8_000,
      limits: { callsPerDay: 8, minIntervalMs: 1_800_000, cacheTtlMs: 1_800_000, minorChangeMs: 10_800_000 },
    });
    expect(COACH_DEFAULT_MODEL_ID).toMatch(/anthropic\.claude-haiku/);
  });

  it('takes the coach settings from the environment and reports every bad one at once', () => {
    const c = loadReasoningConfig({ PULSEPET_COACH: 'deterministic', PULSEPET_COACH_MODEL_ID: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0', PULSEPET_COACH_CALLS_PER_DAY: '4' });
    expect(c.coach).toMatchObject({ kind: 'deterministic', modelId: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0', limits: { callsPerDay: 4 } });
    const bad = { PULSEPET_COACH: 'gpt', PULSEPET_COACH_DEADLINE_MS: '60000', PULSEPET_COACH_MODEL_ID: 'bad id' };
    expect(() => loadReasoningConfig(bad)).toThrow(/PULSEPET_COACH: .*PULSEPET_COACH_MODEL_ID: .*PULSEPET_COACH_DEADLINE_MS: /);
  });
});
