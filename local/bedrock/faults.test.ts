import { describe, expect, it } from 'vitest';
import { BedrockFaultsSchema, seededRandom } from './faults';

describe('BedrockFaultsSchema', () => {
  it('parses probabilities, a latency and a seed', () => {
    expect(BedrockFaultsSchema.parse('throttle=0.3,malformed=0.1,latency=2s')).toEqual({ throttle: 0.3, malformed: 0.1, latencyMs: 2000, seed: 1 });
    expect(BedrockFaultsSchema.parse('latency=250ms,seed=7')).toEqual({ throttle: 0, malformed: 0, latencyMs: 250, seed: 7 });
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

describe('seededRandom', () => {
  it('repeats for a seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.4);
    expect(mean).toBeLessThan(0.6);
  });
});
