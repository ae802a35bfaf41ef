import { describe, expect, it } from 'vitest';
import { ConnectPacer, ConnectWindow, JitteredBackoff } from './backoff';
import { scenarioClock } from './clock';

describe('Function: scenarioClock', () => {
  it('runs K times faster and ends at the wall clock: never in the future', () => {
    let wall = 1_700_000_000_000;
    const c = scenarioClock({ durationMs: 600_000, speedup: 144, wallNow: () => wall });
    expect(c.scenarioStart).toBe(wall - 143 * 600_000);
    for (const step of [0, 1_000, 60_000, 300_000, 600_000]) {
      const w = c.wallStart + step;
      wall = w;
      expect(c.now()).toBeLessThanOrEqual(w);
      expect(c.now()).toBe(c.scenarioStart + 144 * step);
    }
    expect(c.at(c.wallStart + 600_000)).toBe(c.wallStart + 600_000);
    wall = c.wallStart + 700_000; // draining past the duration
    expect(c.now()).toBe(wall);
  });

  it('starts at a given scenario time to carry on a timeline, K times faster until it reaches the wall clock, then with it', () => {
    let wall = 1_700_000_000_000;
    const c = scenarioClock({ durationMs: 24 * 3_600_000, speedup: 30, scenarioStart: wall - 3_600_000, wallNow: () => wall });
    expect(c.scenarioStart).toBe(wall - 3_600_000);
    wall += 60_000;
    expect(c.now()).toBe(c.scenarioStart + 30 * 60_000);
    wall += 10 * 60_000; // 33 min of wall time would be 16.5 h of scenario time: held at the wall clock
    expect(c.now()).toBe(wall);
    expect(() => scenarioClock({ durationMs: 1_000, speedup: 2, scenarioStart: wall + 1, wallNow: () => wall })).toThrow(/must not be in the future/);
  });

  it('keeps whole milliseconds at a fractional speedup', () => {
    let wall = 1_700_000_000_123;
    const c = scenarioClock({ durationMs: 333, speedup: 1.7, wallNow: () => wall });
    expect(Number.isInteger(c.scenarioStart)).toBe(true);
    wall += 77;
    expect(Number.isInteger(c.now())).toBe(true);
  });

  it('is the wall clock at speedup 1', () => {
    let wall = 5_000;
    const c = scenarioClock({ durationMs: 10_000, speedup: 1, wallNow: () => wall });
    wall = 7_500;
    expect(c.now()).toBe(7_500);
  });

  it('refuses a speedup below 1 or a duration that is not positive', () => {
    expect(() => scenarioClock({ durationMs: 1000, speedup: 0.5 })).toThrow(RangeError);
    expect(() => scenarioClock({ durationMs: 0, speedup: 1 })).toThrow(RangeError);
  });
});

describe('Class: JitteredBackoff', () => {
  it('grows within [base, 3 × previous], stays under the cap, and starts over after reset', () => {
    let r = 0.99;
    const b = new JitteredBackoff(1_000, 30_000, () => r);
    const waits = Array.from({ length: 8 }, () => b.next());
    expect(waits[0]).toBeLessThanOrEqual(3_000);
    expect(waits.every((w) => w >= 1_000 && w <= 30_000)).toBe(true);
    expect(waits[waits.length - 1]).toBe(30_000);
    b.reset();
    r = 0;
    expect(b.next()).toBe(1_000);
  });
});

describe('Class: ConnectPacer', () => {
  it('spaces slots 1/rate apart and lets an idle pacer go at once', () => {
    let now = 0;
    const p = new ConnectPacer(100, () => now);
    expect([p.reserve(), p.reserve(), p.reserve()]).toEqual([0, 10, 20]);
    now = 1_000;
    expect(p.reserve()).toBe(0);
  });
});

describe('Class: ConnectWindow', () => {
  it('starts at most max connects at once and the waiting ones in arrival order as others settle', () => {
    const w = new ConnectWindow(2);
    const started: number[] = [];
    for (let i = 0; i < 5; i++) w.enter(() => started.push(i));
    expect(started).toEqual([0, 1]);
    expect(w.stats).toEqual({ inProgress: 2, waiting: 3 });
    w.leave();
    expect(started).toEqual([0, 1, 2]);
    w.leave();
    w.leave();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(w.stats).toEqual({ inProgress: 2, waiting: 0 });
    w.leave();
    w.leave();
    expect(w.stats).toEqual({ inProgress: 0, waiting: 0 });
    w.enter(() => started.push(5));
    expect(started.at(-1)).toBe(5);
  });

  it('keeps its order through many waiting connects (its queue is compacted)', () => {
    const w = new ConnectWindow(1);
    const started: number[] = [];
    for (let i = 0; i < 5_000; i++) w.enter(() => started.push(i));
    for (let i = 0; i < 5_000; i++) w.leave();
    expect(started).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
    expect(w.stats).toEqual({ inProgress: 0, waiting: 0 });
  });

  it('refuses a window that is not a positive integer', () => {
    expect(() => new ConnectWindow(0)).toThrow(RangeError);
    expect(() => new ConnectWindow(1.5)).toThrow(RangeError);
  });
});
