import { describe, expect, it } from 'vitest';
import { PerThing, thingOf } from './per-thing';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('PerThing', () => {
  it('runs the tasks of one thing in arrival order and those of different things side by side', async () => {
    const p = new PerThing();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      return name;
    };
    const all = Promise.all([p.run('a', task('a1', 30)), p.run('a', task('a2', 1)), p.run('b', task('b1', 1))]);
    expect(p.size).toBe(2);
    expect(await all).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    await tick();
    expect(p.size).toBe(0);
  });

  it('runs the next task of a thing after one that failed, and passes the failure to its caller only', async () => {
    const p = new PerThing();
    const failed = p.run('a', async () => Promise.reject(new Error('boom')));
    const next = p.run('a', async () => 'next');
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('next');
  });

  it('takes the thing from the event, and runs an event without one at once', async () => {
    expect(thingOf({ thing: 'sim-1', v: 1 })).toBe('sim-1');
    for (const e of [null, 'x', { thing: 3 }, {}]) expect(thingOf(e)).toBeUndefined();
    const p = new PerThing();
    void p.run('a', () => new Promise(() => {}));
    expect(await p.run(undefined, async () => 'free')).toBe('free');
  });
});
