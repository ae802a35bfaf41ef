import { describe, expect, it } from 'vitest';
import type { ReasoningDeps } from './reason';
import { isPersonaEvent, reword } from './reword';
import { reasoningTestDeps } from '../../test/support/functions/reasoning-deps';

const deps: ReasoningDeps = reasoningTestDeps({ get: async () => undefined, update: async () => 1 });

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
