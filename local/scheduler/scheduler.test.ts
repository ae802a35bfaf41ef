import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SchedulePayload } from '../../cloud-rules/schedule-payload';
import { silentLogger } from '../../common/logger';
import { fillContextAttributes, LocalScheduler, type ScheduledInvokeRequest } from './scheduler';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:pulsepet-daily-summary';
const schedule = (over: Partial<SchedulePayload> = {}): SchedulePayload => ({
  Name: 'daily_summary',
  ScheduleExpression: 'cron(15 0 * * ? *)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: ARN, RoleArn: 'arn:aws:iam::000000000000:role/pulsepet-scheduler', Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}' },
  ...over,
});

afterEach(() => vi.useRealTimers());

describe('Class: LocalScheduler', () => {
  it('invokes the target at the cron time with the scheduled time filled into the input', async () => {
    vi.useFakeTimers({ now: Date.UTC(2024, 0, 1, 23, 0) });
    const calls: ScheduledInvokeRequest[] = [];
    const s = new LocalScheduler({ schedules: [schedule()], invoke: async (r) => calls.push(r), region: 'us-east-1', logger: silentLogger() });
    s.start();
    expect(s.nextRuns()).toEqual([{ name: 'daily_summary', at: Date.UTC(2024, 0, 2, 0, 15) }]);
    await vi.advanceTimersByTimeAsync(74 * 60_000);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ functionName: 'pulsepet-daily-summary', functionArn: ARN, source: 'schedule/daily_summary' });
    expect(JSON.parse(calls[0]?.eventJson ?? '')).toEqual({ scheduledTime: '2024-01-02T00:15:00Z' });
    // and re-armed for the next day
    expect(s.nextRuns()[0]?.at).toBe(Date.UTC(2024, 0, 3, 0, 15));
    s.close();
  });

  it('does not arm a disabled schedule, and stops firing once closed', async () => {
    vi.useFakeTimers({ now: Date.UTC(2024, 0, 1) });
    const invoke = vi.fn(async () => undefined);
    const s = new LocalScheduler({ schedules: [schedule({ State: 'DISABLED' }), schedule({ Name: 'other' })], invoke, region: 'us-east-1', logger: silentLogger() });
    s.start();
    expect(s.nextRuns().map((r) => r.name)).toEqual(['other']);
    s.close();
    await vi.advanceTimersByTimeAsync(86_400_000);
    expect(invoke).not.toHaveBeenCalled();
  });

  it('refuses a schedule CreateSchedule would refuse', () => {
    expect(() => new LocalScheduler({ schedules: [schedule({ ScheduleExpression: 'cron(0 0 * * * *)' })], invoke: async () => undefined, region: 'r', logger: silentLogger() })).toThrow(
      "exactly one of day-of-month and day-of-week must be '?'",
    );
  });
});

describe('Function: fillContextAttributes', () => {
  it('fills every context attribute', () => {
    const out = fillContextAttributes('<aws.scheduler.schedule-arn>|<aws.scheduler.scheduled-time>|<aws.scheduler.execution-id>|<aws.scheduler.attempt-number>', {
      scheduleArn: 'arn:s',
      scheduledTime: Date.UTC(2024, 1, 3, 4, 5, 6),
      executionId: 'e-1',
      attempt: 1,
    });
    expect(out).toBe('arn:s|2024-02-03T04:05:06Z|e-1|1');
  });
});
