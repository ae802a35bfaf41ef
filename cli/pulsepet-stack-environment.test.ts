import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../functions/registry';
import { FUNCTION_NAMES } from '../protocol/resources';
import { pulsepetQueueLimits, withEnvironment } from './pulsepet-stack';

describe('startPulsepetStack environment changes', () => {
  it('sets and removes variables of the named function only, leaving the registry as it was', () => {
    const changed = withEnvironment(FUNCTIONS, { [FUNCTION_NAMES.reasoning]: { PULSEPET_COACH: 'deterministic', PULSEPET_AVATAR_FUNCTION: null } });
    const reasoning = changed.find((f) => f.name === FUNCTION_NAMES.reasoning);
    expect(reasoning?.environment.PULSEPET_COACH).toBe('deterministic');
    expect(reasoning?.environment).not.toHaveProperty('PULSEPET_AVATAR_FUNCTION');
    expect(reasoning?.environment.PULSEPET_DAILY_TABLE).toBeDefined();
    expect(FUNCTIONS.find((f) => f.name === FUNCTION_NAMES.reasoning)?.environment.PULSEPET_AVATAR_FUNCTION).toBe(FUNCTION_NAMES.avatar);
    expect(changed.filter((f) => f.name !== FUNCTION_NAMES.reasoning)).toEqual(FUNCTIONS.filter((f) => f.name !== FUNCTION_NAMES.reasoning));
    expect(withEnvironment(FUNCTIONS)).toEqual(FUNCTIONS);
  });

  it('puts the ingest function first in the Lambda queue and keeps the caller limits', () => {
    expect(pulsepetQueueLimits()).toEqual({ priority: { functions: [FUNCTION_NAMES.ingest] } });
    expect(pulsepetQueueLimits({ maxBytes: 1024, durable: false })).toEqual({ maxBytes: 1024, durable: false, priority: { functions: [FUNCTION_NAMES.ingest] } });
    expect(pulsepetQueueLimits({ priority: { functions: [] } }).priority).toEqual({ functions: [] });
  });
});
