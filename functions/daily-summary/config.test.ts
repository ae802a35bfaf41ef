import { describe, expect, it } from 'vitest';
import { COACH_DEFAULT_MODEL_ID } from '../../protocol/resources';
import { loadDailySummaryConfig } from './config';

describe('Function: loadDailySummaryConfig', () => {
  it('asks Bedrock for the explanation by default, with the coach’s model and a 10 s deadline', () => {
    expect(loadDailySummaryConfig({}).explainer).toEqual({ kind: 'bedrock', modelId: COACH_DEFAULT_MODEL_ID, deadlineMs: 10_000 });
  });

  it('takes the template-only switch, another model and deadline from the environment', () => {
    const c = loadDailySummaryConfig({ PULSEPET_COACH: 'deterministic', PULSEPET_COACH_MODEL_ID: 'amazon.nova-micro-v1:0', PULSEPET_COACH_DEADLINE_MS: '4000' });
    expect(c.explainer).toEqual({ kind: 'deterministic', modelId: 'amazon.nova-micro-v1:0', deadlineMs: 4000 });
  });

  it('reports every bad variable at once as PP_ERR_CONFIG', () => {
    expect(() => loadDailySummaryConfig({ PULSEPET_COACH: 'gpt', PULSEPET_COACH_DEADLINE_MS: '90000' })).toThrow(
      expect.objectContaining({ code: 'PP_ERR_CONFIG', message: expect.stringMatching(/PULSEPET_COACH:.*PULSEPET_COACH_DEADLINE_MS:/) }),
    );
  });
});
