/**
 * ARNs of the resources pulsepet grants access to, built from the configured account and
 * region (partition `aws`). The contract names them (protocol/resources.ts,
 * cloud-rules/), so the grants are computed, not looked up: a name that drifts fails
 * the synthesis tests rather than a deployment.
 * Formats: https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */

/** The account and region everything is deployed to. */
export interface AwsScope {
  readonly region: string;
  readonly accountId: string;
}

/** `arn:aws:iot:{region}:{account}:{resource}` */
export function iotArn(s: AwsScope, resource: string): string {
  return `arn:aws:iot:${s.region}:${s.accountId}:${resource}`;
}

/** A named shadow of every thing: `thing/*\/{shadow}` (iot-action-resources.html; thing names have no `/`). */
export function namedShadowArn(s: AwsScope, shadow: string): string {
  return iotArn(s, `thing/*/${shadow}`);
}

export function iotTopicArn(s: AwsScope, topic: string): string {
  return iotArn(s, `topic/${topic}`);
}

export function iotRuleArn(s: AwsScope, ruleName: string): string {
  return iotArn(s, `rule/${ruleName}`);
}

export function timestreamDatabaseArn(s: AwsScope, database: string): string {
  return `arn:aws:timestream:${s.region}:${s.accountId}:database/${database}`;
}

export function timestreamTableArn(s: AwsScope, database: string, table: string): string {
  return `${timestreamDatabaseArn(s, database)}/table/${table}`;
}

/** A log group; with `streams`, its log streams (`…:log-stream:*`, what PutLogEvents names). */
export function logGroupArn(s: AwsScope, name: string, streams = false): string {
  return `arn:aws:logs:${s.region}:${s.accountId}:log-group:${name}${streams ? ':log-stream:*' : ''}`;
}

export function sqsQueueArn(s: AwsScope, name: string): string {
  return `arn:aws:sqs:${s.region}:${s.accountId}:${name}`;
}

export function snsTopicArn(s: AwsScope, name: string): string {
  return `arn:aws:sns:${s.region}:${s.accountId}:${name}`;
}

export function iamRoleArn(s: AwsScope, name: string): string {
  return `arn:aws:iam::${s.accountId}:role/${name}`;
}

/** SageMaker lower-cases endpoint names in its ARNs. */
export function sagemakerEndpointArn(s: AwsScope, endpoint: string): string {
  return `arn:aws:sagemaker:${s.region}:${s.accountId}:endpoint/${endpoint.toLowerCase()}`;
}

/** Prefixes of Bedrock's system-defined cross-Region inference profiles (`us.anthropic…`). */
const INFERENCE_PROFILE_PREFIX = /^(us|eu|apac|jp|au|ca|us-gov|global)\.(.+)$/;

/**
 * What `bedrock:InvokeModel` must name for one model id (Converse is authorized as
 * InvokeModel): a foundation model in this region, or a cross-Region inference profile
 * plus its model in whichever Region the profile routes to (inference-profiles-prereq.html;
 * a global profile's model ARN carries no Region). An ARN is taken as it is.
 *
 * @example
 * bedrockModelArns({ region: 'us-east-1', accountId: '123456789012' }, 'us.anthropic.claude-haiku-4-5-20251001-v1:0');
 * // → the us. profile in us-east-1 and arn:aws:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0
 */
export function bedrockModelArns(s: AwsScope, modelId: string): string[] {
  if (modelId.startsWith('arn:')) return [modelId];
  const profile = INFERENCE_PROFILE_PREFIX.exec(modelId);
  if (profile === null) return [`arn:aws:bedrock:${s.region}::foundation-model/${modelId}`];
  const model = profile[2];
  const arns = [`arn:aws:bedrock:${s.region}:${s.accountId}:inference-profile/${modelId}`, `arn:aws:bedrock:*::foundation-model/${model}`];
  if (profile[1] === 'global') arns.push(`arn:aws:bedrock:::foundation-model/${model}`);
  return arns;
}

/** An S3 bucket, or with `keys` the objects under that key pattern (`avatars/*`). S3 ARNs carry no region or account. */
export function s3Arn(bucket: string, keys?: string): string {
  return `arn:aws:s3:::${bucket}${keys === undefined ? '' : `/${keys}`}`;
}

/** A Lambda function (what lambda:InvokeFunction names). */
export function lambdaFunctionArn(s: AwsScope, name: string): string {
  return `arn:aws:lambda:${s.region}:${s.accountId}:function:${name}`;
}
