/**
 * pulsepet's schedules as plain data, shaped like EventBridge Scheduler's CreateSchedule
 * input (schedule-payload.ts): the local scheduler (local/scheduler, handed this list by
 * cli/) runs them and infra deploys them, as with the rules in rules.ts.
 */
import { FUNCTION_NAMES } from '../protocol/resources';
import { lambdaArn, type RuleEnvironment } from './rules';
import type { SchedulePayload } from './schedule-payload';

export { type ParsedSchedulePayload, type SchedulePayload, SchedulePayloadSchema } from './schedule-payload';

/** IAM role EventBridge Scheduler assumes to invoke the functions (deployed by infra). */
export const SCHEDULER_ROLE_NAME = 'pulsepet-scheduler';

/**
 * The schedules: `daily_summary` runs the daily summary at 00:15 UTC for the day before
 * (a quarter of an hour for late batches of the day's last minutes to land). One
 * invocation summarizes every thing (functions/daily-summary/README.md).
 */
export function pulsepetSchedules(env: RuleEnvironment): SchedulePayload[] {
  return [
    {
      Name: 'daily_summary',
      Description: 'Daily metrics and anomalies of every thing for the previous UTC day (functions/daily-summary).',
      ScheduleExpression: 'cron(15 0 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: lambdaArn(env, FUNCTION_NAMES.dailySummary),
        RoleArn: `arn:aws:iam::${env.accountId}:role/${SCHEDULER_ROLE_NAME}`,
        Input: JSON.stringify({ source: 'pulsepet.schedule', schedule: 'daily_summary', scheduledTime: '<aws.scheduler.scheduled-time>' }),
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 2 },
      },
    },
  ];
}
