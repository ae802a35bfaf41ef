import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { DeterministicCoach } from './deterministic-coach';
import { inProcessModels } from './model-adapters';
import { populationBaseline } from './models/index';
import type { ReasoningDeps } from './reason';
import { isPersonaEvent, reword } from './reword';

const deps: ReasoningDeps = {
  shadows: { get: async () => undefined, update: async () => 1 },
  model: inProcessModels,
  baselines: { baseline: async () => populationBaseline() },
  coach: new DeterministicCoach(),
  logger: silentLogger(),
  now: Date.now,
  baselineRefreshMs: 3_600_000,
};

describe('Function: reword', () => {
  it('tells persona events from telemetry batches', () => {
    expect(isPersonaEvent({ kind: 'persona', thing: 'pet-1', persona: 'strict' })).toBe(true);
    expect(isPersonaEvent({ v: 1, batchId: 'b', thing: 'pet-1' })).toBe(false);
    expect(isPersonaEvent(null)).toBe(false);
  });

  it('refuses a malformed persona event with the reasons, and does nothing for a pet with no decision yet', async () => {
    await expect(reword({ kind: 'persona', thing: 'bad name!', persona: 'rude' }, deps)).rejects.toThrow(/thing: .*persona: /);
    await expect(reword({ kind: 'persona', thing: 'pet-1', persona: 'strict' }, deps)).resolves.toEqual({ thing: 'pet-1', outcome: 'no-state' });
  });
});
