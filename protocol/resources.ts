/**
 * Names of the AWS resources every part of pulsepet agrees on: the Lambda functions
 * the rules invoke (functions/registry.ts defines them, cloud-rules/ routes to them)
 * and the Timestream layout (ARCHITECTURE.md, Contracts).
 */

/**
 * Lambda function names; the rules' `functionArn`s end in these, the function registry is
 * keyed by them. `pulsepet-avatar` is invoked by the reasoning function (Lambda `Invoke`,
 * `InvocationType: Event`), not by a rule.
 */
export const FUNCTION_NAMES = { ingest: 'pulsepet-ingest', reasoning: 'pulsepet-reasoning', dailySummary: 'pulsepet-daily-summary', avatar: 'pulsepet-avatar' } as const;

export type FunctionName = (typeof FUNCTION_NAMES)[keyof typeof FUNCTION_NAMES];

/**
 * Timestream layout: database `pulsepet`, tables `telemetry` (vitals per sample),
 * `presence`, `daily` (one record per thing and day) and `petStates` (what the pet was
 * told to show, one record per attribute per `pet` shadow write: the display's stress timeline).
 */
export const TIMESTREAM = { database: 'pulsepet', telemetryTable: 'telemetry', presenceTable: 'presence', dailyTable: 'daily', petStateTable: 'petStates' } as const;

/**
 * The coach's default Bedrock model: Claude Haiku 4.5 through the US cross-region
 * inference profile (Bedrock model card, `anthropic.claude-haiku-4-5-20251001-v1:0`).
 * A deployment sets its own with `PULSEPET_COACH_MODEL_ID` (a newer Haiku, an `eu.` or
 * `global.` profile); infra grants `bedrock:InvokeModel` on the same id.
 */
export const COACH_DEFAULT_MODEL_ID = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

/**
 * The avatar bucket (issue 18): one PNG per set of visual inputs under
 * `avatars/{hash}.png`. The local stack creates it at start; bucket names are global on
 * AWS, so infra names the deployed one per account and region
 * (`{prefix}-avatars-{account}-{region}`) and hands it to pulsepet-avatar as PULSEPET_AVATAR_BUCKET.
 */
export const AVATARS = { bucket: 'pulsepet-avatars', keyPrefix: 'avatars/' } as const;

/**
 * The IAM role IoT Core assumes to apply provisioning templates (fleet provisioning by
 * claim and JITP: create the thing, activate the certificate, attach policy and principal).
 * `pulsepet fleet template create` names `arn:aws:iam::ACCOUNT:role/pulsepet-provisioning`
 * when no --role-arn is given, and infra's iot stack creates the role under this name
 * (unprefixed, like the other contract roles: one pulsepet per account and region).
 */
export const PROVISIONING_ROLE_NAME = 'pulsepet-provisioning';
