import { describe, expect, it } from 'vitest';
import { PolicyEvaluator } from '../policy/evaluator';
import { EXPIRED_KEPT_MS, RoleSessionStore, SESSION_LIFETIME_MS } from './role-sessions';

const rights = new PolicyEvaluator([]);
const arn = 'arn:aws:sts::000000000000:assumed-role/r/s';

describe('Class: RoleSessionStore', () => {
  describe('Method: issue', () => {
    it('issues STS-shaped temporary credentials for an hour, each different', () => {
      let now = 1_000_000;
      const store = new RoleSessionStore({ now: () => now });
      const a = store.issue(arn, rights);
      now += 1;
      const b = store.issue(arn, rights);
      expect(a.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
      expect(a.secretAccessKey).toHaveLength(40);
      expect(a.sessionToken.length).toBeGreaterThan(100);
      expect(a.expiresAt).toBe(1_000_000 + SESSION_LIFETIME_MS);
      expect(a.arn).toBe(arn);
      expect(b.accessKeyId).not.toBe(a.accessKeyId);
      expect(b.sessionToken).not.toBe(a.sessionToken);
      expect(store.find(a.accessKeyId)).toBe(a);
      expect(store.find('ASIAUNKNOWN')).toBeUndefined();
    });

    it('keeps an expired session a while (so it reads as expired), then forgets it', () => {
      let now = 0;
      const store = new RoleSessionStore({ now: () => now, lifetimeMs: 1000 });
      const a = store.issue(arn, rights);
      now = 1000 + EXPIRED_KEPT_MS - 1;
      store.issue(arn, rights);
      expect(store.find(a.accessKeyId)).toBe(a);
      now = 1000 + EXPIRED_KEPT_MS;
      store.issue(arn, rights);
      expect(store.find(a.accessKeyId)).toBeUndefined();
    });

    it('holds at most maxSessions, dropping the oldest', () => {
      const store = new RoleSessionStore({ maxSessions: 3 });
      const all = Array.from({ length: 5 }, () => store.issue(arn, rights));
      expect(store.size).toBe(3);
      expect(all.map((s) => store.find(s.accessKeyId) !== undefined)).toEqual([false, false, true, true, true]);
    });
  });
});
