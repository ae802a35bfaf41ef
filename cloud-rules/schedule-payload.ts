import { z } from 'zod';
import { parseCron } from './schedule-expression';

/**
 * A schedule as EventBridge Scheduler's CreateSchedule takes it (the fields pulsepet
 * uses), so infra deploys it as it is and the local scheduler runs the same data.
 * https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
 */
export const SchedulePayloadSchema = z
  .object({
    Name: z.string().regex(/^[0-9a-zA-Z-_.]{1,64}$/),
    Description: z.string().max(512).optional(),
    ScheduleExpression: z.string().superRefine((s, ctx) => {
      try {
        parseCron(s);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
      }
    }),
    /** the local scheduler evaluates in UTC only */
    ScheduleExpressionTimezone: z.literal('UTC').optional(),
    State: z.enum(['ENABLED', 'DISABLED']).default('ENABLED'),
    FlexibleTimeWindow: z.object({ Mode: z.enum(['OFF', 'FLEXIBLE']), MaximumWindowInMinutes: z.number().int().min(1).max(1440).optional() }).strict(),
    Target: z
      .object({
        /** a Lambda function ARN (templated target: Input is the invocation's payload) */
        Arn: z.string().regex(/^arn:aws:lambda:[^:]+:\d{12}:function:[a-zA-Z0-9-_]{1,64}$/, 'must be a Lambda function ARN'),
        RoleArn: z.string().regex(/^arn:aws:iam::\d{12}:role\/.+$/),
        /** the event; may use the context attributes `<aws.scheduler.scheduled-time>` etc. */
        Input: z.string().max(8192).optional(),
        RetryPolicy: z.object({ MaximumEventAgeInSeconds: z.number().int().min(60).max(86_400), MaximumRetryAttempts: z.number().int().min(0).max(185) }).strict().optional(),
      })
      .strict(),
  })
  .strict();
export type SchedulePayload = z.input<typeof SchedulePayloadSchema>;
export type ParsedSchedulePayload = z.output<typeof SchedulePayloadSchema>;
