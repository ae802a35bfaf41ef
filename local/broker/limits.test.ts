import { describe, expect, it } from 'vitest';
import { effectiveKeepAlive, resolveLimits, TokenBucket, topicViolation } from './limits';

describe('Function: resolveLimits', () => {
  it("defaults to IoT Core's message-broker limits", () => {
    expect(resolveLimits()).toEqual({
      maxPayloadBytes: 131072,
      maxTopicBytes: 256,
      maxTopicSlashes: 7,
      maxSubscriptionsPerConnection: 50,
      maxFiltersPerSubscribe: 8,
      keepAliveMinSeconds: 30,
      keepAliveMaxSeconds: 1200,
      publishesPerSecond: 100,
    });
  });

  it('rejects a nonsensical limit', () => {
    expect(() => resolveLimits({ maxFiltersPerSubscribe: 0 })).toThrow();
  });
});

describe('Function: effectiveKeepAlive', () => {
  const limits = resolveLimits();
  it('raises values below 30 s to 30 s, lowers values above 1200 s and treats 0 as 1200 s', () => {
    expect([0, 1, 29, 30, 60, 1200, 1201, 65535].map((k) => effectiveKeepAlive(k, limits))).toEqual([
      1200, 30, 30, 30, 60, 1200, 1200, 1200,
    ]);
  });
});

describe('Function: topicViolation', () => {
  const limits = resolveLimits();
  it('allows 7 slashes, refuses 8, and exempts $aws reserved topics from the slash count', () => {
    expect(topicViolation('a/b/c/d/e/f/g/h', limits)).toBeUndefined();
    expect(topicViolation('a/b/c/d/e/f/g/h/i', limits)).toMatch(/slashes/);
    expect(topicViolation('$aws/things/t/shadow/name/pet/update/delta/x', limits)).toBeUndefined();
  });

  it('counts UTF-8 bytes, not characters, against the 256-byte limit', () => {
    expect(topicViolation('é'.repeat(128), limits)).toBeUndefined();
    expect(topicViolation(`${'é'.repeat(128)}x`, limits)).toMatch(/256 bytes/);
  });
});

describe('Class: TokenBucket', () => {
  describe('Method: take', () => {
    it('allows a burst of `rate` and then one token per 1/rate seconds', () => {
      let now = 0;
      const bucket = new TokenBucket(100, 100, () => now);
      let ok = 0;
      for (let i = 0; i < 150; i++) if (bucket.take()) ok++;
      expect(ok).toBe(100);
      now += 50; // 50 ms → 5 tokens
      ok = 0;
      for (let i = 0; i < 10; i++) if (bucket.take()) ok++;
      expect(ok).toBe(5);
    });
  });
});
