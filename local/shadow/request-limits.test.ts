import { describe, expect, it } from 'vitest';
import { InFlight, RateLimiter } from './request-limits';

describe('Class: InFlight', () => {
  it('admits up to max requests per key and one more after a leave', () => {
    const f = new InFlight(2);
    expect([f.tryEnter('a'), f.tryEnter('a'), f.tryEnter('a')]).toEqual([true, true, false]);
    expect(f.tryEnter('b')).toBe(true);
    f.leave('a');
    expect(f.count('a')).toBe(1);
    expect(f.tryEnter('a')).toBe(true);
  });

  it('never counts below zero on an unmatched leave', () => {
    const f = new InFlight(1);
    f.leave('a');
    expect(f.count('a')).toBe(0);
    expect(f.tryEnter('a')).toBe(true);
    expect(f.tryEnter('a')).toBe(false);
  });

  it('forgets idle keys at its sweep, so a churn of one-off connections does not grow it forever', () => {
    const f = new InFlight(10);
    for (let i = 0; i < 25_000; i++) {
      const key = `conn-${i}`;
      f.tryEnter(key);
      f.leave(key);
    }
    // at most one sweep interval (10,000 leaves) of idle keys is held
    expect(f.size).toBeLessThanOrEqual(10_000);
    f.tryEnter('busy');
    for (let i = 0; i < 10_000; i++) {
      f.tryEnter('other');
      f.leave('other');
    }
    // a key with a request in flight survives the sweep
    expect(f.count('busy')).toBe(1);
  });

  it('admits everything when max is 0 (quota off)', () => {
    const f = new InFlight(0);
    for (let i = 0; i < 100; i++) expect(f.tryEnter('a')).toBe(true);
  });
});

describe('Class: RateLimiter', () => {
  it('allows the burst of one second, then refills at the rate', () => {
    let now = 0;
    const r = new RateLimiter(20, () => now);
    const first = Array.from({ length: 21 }, () => r.tryAcquire('t'));
    expect(first.filter(Boolean)).toHaveLength(20);
    expect(first[20]).toBe(false);
    now += 50; // one token back at 20/s
    expect(r.tryAcquire('t')).toBe(true);
    expect(r.tryAcquire('t')).toBe(false);
    // other keys have their own bucket
    expect(r.tryAcquire('u')).toBe(true);
  });
});
