import { describe, expect, it } from 'vitest';
import { BedrockFaultsSchema } from './faults';

describe('BedrockFaultsSchema', () => {
  it('parses probabilities, a latency and a seed', () => {
    const none = { throttle: 0, malformed: 0, latencyMs: 0, seed: 1 };
    expect(BedrockFaultsSchema.parse('throttle=0.3,malformed=0.1,latency=2s')).toEqual({ ...none, throttle: 0.3, malformed: 0.1, latencyMs: 2000 });
    expect(BedrockFaultsSchema.parse('latency=250ms,seed=7')).toEqual({ ...none, latencyMs: 250, seed: 7 });
    expect(BedrockFaultsSchema.parse('filtered=1,blocked=0.5,timeout=0.2')).toEqual({ ...none, filtered: 1, blocked: 0.5, timeout: 0.2 });
  });

  it.each([
    ['bogus', /not key=value/],
    ['throttle=2', /probability/],
    ['latency=2', /duration/],
    ['latency=61s', /at most 60s/],
    ['jitter=1', /unknown fault/],
    ['throttle=0.1,throttle=0.2', /twice/],
  ])('refuses %s', (spec, reason) => {
    const r = BedrockFaultsSchema.safeParse(spec);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(reason);
  });
});
