import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import { Construct } from 'constructs';
import { functionNameOf } from './rule-grants';
import { pulsepetSchedules, SCHEDULER_ROLE_NAME, type SchedulePayload } from '../cloud-rules/schedules';
import { type AwsScope, iamRoleArn } from './arns';
import { serviceTrustPolicy } from './policy';
import { ServiceRole } from './service-role';
import { terraformLiteral } from './terraform-escape';

/**
 * EventBridge Scheduler: the schedules of cloud-rules/schedules.ts as they are (the local
 * scheduler runs the same list), and the `pulsepet-scheduler` role they assume, allowed
 * to invoke exactly their target functions.
 */
export class ScheduleConstruct extends Construct {
  readonly schedules: SchedulerSchedule[] = [];

  constructor(scope: Construct, id: string, aws: AwsScope, functions: ReadonlyMap<string, LambdaFunction>) {
    super(scope, id);
    const payloads = pulsepetSchedules(aws);
    const roleArn = iamRoleArn(aws, SCHEDULER_ROLE_NAME);
    const targets = [...new Set(payloads.map((p) => p.Target.Arn))].sort();
    for (const p of payloads) {
      if (p.Target.RoleArn !== roleArn) throw new Error(`schedule ${p.Name} assumes ${p.Target.RoleArn}; infra deploys ${roleArn}`);
      if (!functions.has(functionNameOf(p.Target.Arn))) throw new Error(`schedule ${p.Name} targets ${p.Target.Arn}, which functions/registry.ts does not define`);
    }
    const role = new ServiceRole(this, 'role', {
      name: SCHEDULER_ROLE_NAME,
      description: 'Assumed by EventBridge Scheduler to invoke the scheduled functions (cloud-rules/schedules.ts).',
      trust: serviceTrustPolicy('scheduler.amazonaws.com', aws.accountId),
      statements: [{ Sid: 'InvokeTargets', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: targets }],
    });
    for (const p of payloads) {
      const fn = functions.get(functionNameOf(p.Target.Arn));
      this.schedules.push(new SchedulerSchedule(this, p.Name, { ...scheduleArgs(p), dependsOn: [role.policy, ...(fn ? [fn] : [])] }));
    }
  }
}

/** A CreateSchedule payload as `aws_scheduler_schedule` arguments. */
export function scheduleArgs(p: SchedulePayload): ConstructorParameters<typeof SchedulerSchedule>[2] {
  const t = p.Target;
  return {
    name: p.Name,
    ...(p.Description === undefined ? {} : { description: terraformLiteral(p.Description) }),
    scheduleExpression: p.ScheduleExpression,
    ...(p.ScheduleExpressionTimezone === undefined ? {} : { scheduleExpressionTimezone: p.ScheduleExpressionTimezone }),
    state: p.State ?? 'ENABLED',
    flexibleTimeWindow: {
      mode: p.FlexibleTimeWindow.Mode,
      ...(p.FlexibleTimeWindow.MaximumWindowInMinutes === undefined ? {} : { maximumWindowInMinutes: p.FlexibleTimeWindow.MaximumWindowInMinutes }),
    },
    target: {
      arn: t.Arn,
      roleArn: t.RoleArn,
      ...(t.Input === undefined ? {} : { input: terraformLiteral(t.Input) }),
      ...(t.RetryPolicy === undefined ? {} : { retryPolicy: { maximumEventAgeInSeconds: t.RetryPolicy.MaximumEventAgeInSeconds, maximumRetryAttempts: t.RetryPolicy.MaximumRetryAttempts } }),
    },
  };
}
