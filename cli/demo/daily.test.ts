import type { LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DemoClock } from './clock';
import { keepDailySummaries } from './daily';

afterEach(() => {
  vi.useRealTimers();
});

/** A clock with one due day until it is marked, counting its alive records. */
function stubClock(): DemoClock & { aliveCalls: number; marked: string[] } {
  const c = {
    scenarioStart: 0,
    resumed: false,
    aliveCalls: 0,
    marked: [] as string[],
    alive() {
      c.aliveCalls++;
    },
    dueDays: () => (c.marked.includes('2026-11-08') ? [] : ['2026-11-08']),
    summarized(day: string) {
      c.marked.push(day);
    },
  };
  return c;
}

describe('Function: keepDailySummaries', () => {
  it('records the demo alive every tick, says a failure once per reason, and starts the day once Lambda answers', async () => {
    vi.useFakeTimers();
    const clock = stubClock();
    const answers = [new Error('connect ECONNREFUSED'), new Error('connect ECONNREFUSED'), { StatusCode: 202 }];
    const send = vi.fn(async () => {
      const a = answers.shift();
      if (a instanceof Error) throw a;
      return a;
    });
    const said: string[] = [];
    const warned: string[] = [];
    const stop = keepDailySummaries(clock, { send } as unknown as LambdaClient, ['demo-00001'], 10_000, { say: (l) => said.push(l), warn: (l) => warned.push(l) });
    for (let i = 0; i < 4; i++) await vi.advanceTimersByTimeAsync(10_000);
    stop();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(clock.aliveCalls).toBe(4);
    expect(send).toHaveBeenCalledTimes(3);
    expect(warned).toEqual([expect.stringMatching(/^pulsepet demo: the daily summary could not be started \(Error: connect ECONNREFUSED\); trying again every 10 s$/)]);
    expect(said).toEqual(['pulsepet demo: the daily summary of 2026-11-08 started for demo-00001 (their scenario days)']);
    expect(clock.marked).toEqual(['2026-11-08']);
  });
});
