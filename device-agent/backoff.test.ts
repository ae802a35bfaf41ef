import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter, ReconnectBackoff } from './backoff';

describe('Class: ReconnectBackoff', () => {
  describe('Method: nextDelayMs', () => {
    it('stays between the base and the cap and grows from repeated failures', () => {
      fc.assert(
        fc.property(fc.array(fc.double({ min: 0, max: 0.999_999, noNaN: true }), { minLength: 1, maxLength: 50 }), (rs) => {
          let i = 0;
          const b = new ReconnectBackoff({ baseMs: 1_000, capMs: 60_000, random: () => rs[i++ % rs.length]!, now: () => 0 });
          for (let k = 0; k < rs.length; k++) {
            const d = b.nextDelayMs();
            expect(d).toBeGreaterThanOrEqual(1_000);
            expect(d).toBeLessThanOrEqual(60_000);
          }
        }),
      );
      const top = new ReconnectBackoff({ baseMs: 1_000, capMs: 60_000, random: () => 0.999, now: () => 0 });
      const delays = Array.from({ length: 6 }, () => top.nextDelayMs());
      expect(delays[5]).toBe(60_000);
      expect(delays[1]!).toBeGreaterThan(delays[0]!);
    });

    it('starts over from the base after a connection that stayed up long enough', () => {
      let now = 0;
      const b = new ReconnectBackoff({ baseMs: 1_000, resetAfterMs: 30_000, random: () => 0.999, now: () => now });
      for (let k = 0; k < 5; k++) b.nextDelayMs();
      b.connected();
      now += 31_000;
      b.disconnected();
      expect(b.nextDelayMs()).toBeLessThan(3_000);
    });

    it('keeps growing after a connection that dropped quickly', () => {
      let now = 0;
      const b = new ReconnectBackoff({ baseMs: 1_000, resetAfterMs: 30_000, random: () => 0.999, now: () => now });
      for (let k = 0; k < 3; k++) b.nextDelayMs();
      b.connected();
      now += 500;
      b.disconnected();
      expect(b.nextDelayMs()).toBeGreaterThan(20_000);
    });
  });

  describe('Method: waitBeforeConnectMs', () => {
    it('never allows two CONNECTs less than a second apart', () => {
      let now = 10_000;
      const b = new ReconnectBackoff({ now: () => now });
      expect(b.waitBeforeConnectMs()).toBe(0);
      b.connectAttempted();
      now += 300;
      expect(b.waitBeforeConnectMs()).toBe(700);
      now += 700;
      expect(b.waitBeforeConnectMs()).toBe(0);
    });
  });
});

describe('Class: RateLimiter', () => {
  it('admits no more than the configured rate over a simulated minute', () => {
    let now = 0;
    const r = new RateLimiter(90, 9, () => now);
    let sent = 0;
    while (now < 60_000) {
      const wait = r.take();
      if (wait === 0) sent++;
      else now += wait;
    }
    expect(sent).toBeLessThanOrEqual(90 * 60 + 9);
    expect(sent).toBeGreaterThan(90 * 59);
  });
});
