import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Construct } from 'constructs';
import { pulsepetRules } from '../cloud-rules/rules';
import { FUNCTIONS } from '../functions/registry';
import type { InfraConfig } from './config';
import { deadLetterQueueName } from './names';

/** Alarm-specific arguments; name prefix, actions and missing-data handling are shared. */
type AlarmArgs = Omit<CloudwatchMetricAlarmConfig, 'alarmName' | 'alarmActions' | 'okActions' | 'treatMissingData' | 'comparisonOperator'> & {
  comparisonOperator?: string;
};

const FIVE_MINUTES = 300;

/**
 * The alarms, each notifying the alarm topic when it fires and when it clears:
 * - every rule: an action failed (AWS/IoT `Failure`, published per RuleName and
 *   ActionType, summed over action types with a Metrics Insights query);
 * - every function: errors and throttles (AWS/Lambda);
 * - the dead-letter queue holds a message (an event Lambda gave up on);
 * - Bedrock throttles the coach's model (AWS/Bedrock `InvocationThrottles`), when the
 *   coach uses Bedrock: the functions fall back to the deterministic coach, so this
 *   says the wording quality dropped, not that the pet stopped.
 * Metrics: https://docs.aws.amazon.com/iot/latest/developerguide/metrics_dimensions.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html,
 * https://docs.aws.amazon.com/bedrock/latest/userguide/monitoring.html
 */
export class AlarmsConstruct extends Construct {
  readonly alarms: CloudwatchMetricAlarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly config: InfraConfig,
    private readonly topicArn: string,
  ) {
    super(scope, id);
    for (const rule of pulsepetRules(config)) {
      this.alarm(`rule-${rule.ruleName}-failures`, {
        alarmDescription: `An action of IoT rule ${rule.ruleName} failed (its errorAction reported it on pulsepet/errors).`,
        evaluationPeriods: 1,
        threshold: 0,
        metricQuery: [
          {
            id: 'failures',
            expression: `SELECT SUM(Failure) FROM SCHEMA("AWS/IoT", ActionType, RuleName) WHERE RuleName = '${rule.ruleName}'`,
            period: FIVE_MINUTES,
            returnData: true,
          },
        ],
      });
    }
    for (const f of FUNCTIONS) {
      for (const metric of ['Errors', 'Throttles']) {
        this.alarm(`function-${f.name}-${metric.toLowerCase()}`, {
          alarmDescription: `${f.name}: ${metric} (AWS/Lambda) in five minutes.`,
          ...this.metric('AWS/Lambda', metric, { FunctionName: f.name }),
        });
      }
    }
    const queue = deadLetterQueueName(config);
    this.alarm('dead-letters', {
      alarmDescription: `${queue} holds events Lambda gave up on after its retries (pulsepet dead-letters explains them locally; on AWS read the queue).`,
      ...this.metric('AWS/SQS', 'ApproximateNumberOfMessagesVisible', { QueueName: queue }, 'Maximum'),
    });
    if (config.coach.kind === 'bedrock') {
      this.alarm('bedrock-throttles', {
        alarmDescription: `Bedrock throttles ${config.coach.modelId}: the coach and the daily explanation fall back to their templates.`,
        ...this.metric('AWS/Bedrock', 'InvocationThrottles', { ModelId: config.coach.modelId }),
        threshold: 5,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
    }
  }

  private metric(namespace: string, metricName: string, dimensions: Record<string, string>, statistic = 'Sum'): AlarmArgs {
    return { namespace, metricName, dimensions, statistic, period: FIVE_MINUTES, evaluationPeriods: 1, threshold: 0 };
  }

  private alarm(suffix: string, args: AlarmArgs): void {
    this.alarms.push(
      new CloudwatchMetricAlarm(this, suffix, {
        comparisonOperator: 'GreaterThanThreshold',
        ...args,
        alarmName: `${this.config.namePrefix}-${suffix}`,
        alarmActions: [this.topicArn],
        okActions: [this.topicArn],
        // no data = nothing happened (no failures, no messages)
        treatMissingData: 'notBreaching',
      }),
    );
  }
}
