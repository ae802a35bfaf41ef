import type { InfraConfig } from './config';

/**
 * Names one stack creates and another refers to (an alarm names the queue it watches, a
 * role names the log group it writes). Both sides call these, so the stacks need no
 * outputs of each other.
 */

/** The thing type of pulsepet's gateways (the phones running the agent). */
export const THING_TYPE_NAME = 'pulsepet-gateway';

/** IoT Core's own log group (SetV2LoggingOptions writes there). */
export const IOT_LOG_GROUP = 'AWSIotLogsV2';

/** Lambda's default log group of a function. */
export function functionLogGroup(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/** The dead-letter queue: the functions' asynchronous failure destination. */
export function deadLetterQueueName(config: InfraConfig): string {
  return `${config.namePrefix}-dead-letters`;
}

/** The SNS topic alarms notify. */
export function alarmTopicName(config: InfraConfig): string {
  return `${config.namePrefix}-alarms`;
}

/** The fleet metric counting connected things: CloudWatch `AWS/IoTFleetMetrics` / this name. */
export function connectedDevicesMetricName(config: InfraConfig): string {
  return `${config.namePrefix}-connected-devices`;
}

/** The CloudWatch dashboard. */
export function dashboardName(config: InfraConfig): string {
  return `${config.namePrefix}-operations`;
}

/** The avatar images' bucket (`avatars/{hash}.png`): S3 names are global, so account and region are in it. */
export function avatarBucketName(config: InfraConfig): string {
  return `${config.namePrefix}-avatars-${config.accountId}-${config.region}`;
}
