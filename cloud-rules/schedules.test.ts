import { describe, expect, it } from 'vitest';
import { functionDefinition } from '../functions/registry';
import { pulsepetSchedules, SchedulePayloadSchema } from './schedules';

describe('Function: pulsepetSchedules', () => {
  const schedules = pulsepetSchedules({ region: 'eu-west-1', accountId: '123456789012' });

  it('gives CreateSchedule inputs that target registered functions', () => {
    for (const s of schedules) {
      const parsed = SchedulePayloadSchema.parse(s);
      const name = parsed.Target.Arn.split(':').at(-1) ?? '';
      expect(functionDefinition(name), name).toBeDefined();
      expect(parsed.Target.Arn).toBe(`arn:aws:lambda:eu-west-1:123456789012:function:${name}`);
    }
  });

  it('runs the daily summary at 00:15 UTC with the scheduled time in its input', () => {
    const daily = schedules.find((s) => s.Name === 'daily_summary');
    expect(daily).toMatchObject({ ScheduleExpression: 'cron(15 0 * * ? *)', ScheduleExpressionTimezone: 'UTC' });
    expect(JSON.parse(daily?.Target.Input ?? '{}')).toMatchObject({ scheduledTime: '<aws.scheduler.scheduled-time>' });
  });
});
