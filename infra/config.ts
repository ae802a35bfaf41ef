import { z } from 'zod';
import { PulsepetError } from '../protocol/errors';
import { AVATAR_DEFAULT_MODEL_ID } from '../protocol/avatar';
import { COACH_DEFAULT_MODEL_ID } from '../protocol/resources';

/**
 * The deployment's inputs, parsed once from the environment by `infra/main.ts` (the
 * one place infra reads `process.env`). Nothing about an account, a region or a model
 * is written into the stacks: it comes from here.
 *
 * The names the contract fixes (function names, rule names, the IoT policies, the
 * `pulsepet-iot-rules`, `pulsepet-scheduler` and `pulsepet-display` roles) are the ones
 * `protocol/` and `cloud-rules/` use locally, so they are not prefixed: one pulsepet per
 * account and region. `namePrefix` names everything else (stacks, bucket, queue,
 * topic, alarms, dashboard, helper roles).
 */

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const EnvSchema = z.object({
  PULSEPET_AWS_ACCOUNT_ID: z.string({ error: 'required: the 12-digit AWS account to deploy to' }).regex(/^\d{12}$/, 'not a 12-digit AWS account id'),
  PULSEPET_AWS_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'not an AWS region name')
    .default('us-east-1'),
  PULSEPET_NAME_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,19}$/, 'lower-case letters, digits and hyphens, 2–20 characters, starting with a letter')
    .default('pulsepet'),
  PULSEPET_STAGE: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/, 'lower-case letters, digits and hyphens')
    .default('prod'),
  /** who words the pet and the day: Bedrock (within the coach's budget) or only the deterministic coach */
  PULSEPET_COACH: z.enum(['bedrock', 'deterministic']).default('bedrock'),
  PULSEPET_COACH_MODEL_ID: z
    .string()
    .regex(/^[\w.:/-]{3,2048}$/, 'not a Bedrock model id, inference profile id or ARN')
    .default(COACH_DEFAULT_MODEL_ID),
  /** the avatar's image model on Bedrock (InvokeModel with Nova Canvas's TEXT_IMAGE body) */
  PULSEPET_AVATAR_MODEL_ID: z
    .string()
    .regex(/^[\w.:/-]{3,2048}$/, 'not a Bedrock model id or ARN')
    .default(AVATAR_DEFAULT_MODEL_ID),
  /** a SageMaker endpoint serving the models (the reasoning function's MODEL_ENDPOINT); unset: in-process */
  PULSEPET_MODEL_ENDPOINT: z
    .string()
    .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'not a SageMaker endpoint name')
    .optional(),
  /** where alarms are mailed (an SNS e-mail subscription, confirmed by the recipient) */
  PULSEPET_ALARM_EMAIL: z.email('not an e-mail address').optional(),
  PULSEPET_LOG_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `one of ${LOG_RETENTION_DAYS.join(', ')}`)
    .default(30),
  /** IoT Core's own log level (SetV2LoggingOptions); IoT logs are billed per GB ingested */
  PULSEPET_IOT_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'DISABLED']).default('ERROR'),
  /** the built display (`display/dist`); unset: only its runtime config is uploaded */
  PULSEPET_DISPLAY_DIST: z.string().min(1).optional(),
  /** an existing S3 bucket for the Terraform state (S3 backend with lock file); unset: local state files */
  PULSEPET_STATE_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not an S3 bucket name')
    .optional(),
});

export interface InfraConfig {
  readonly accountId: string;
  readonly region: string;
  readonly namePrefix: string;
  readonly stage: string;
  readonly coach: { readonly kind: 'bedrock' | 'deterministic'; readonly modelId: string };
  /** the avatar's image model (the bucket is named by names.ts avatarBucketName) */
  readonly avatar: { readonly modelId: string };
  readonly modelEndpoint: string | undefined;
  readonly alarmEmail: string | undefined;
  readonly logRetentionDays: number;
  readonly iotLogLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'DISABLED';
  readonly displayDist: string | undefined;
  readonly stateBucket: string | undefined;
  /** on every resource (the tags aspect) */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Parses the environment; every problem is reported at once as PP_ERR_CONFIG.
 *
 * @example
 * const config = loadInfraConfig({ PULSEPET_AWS_ACCOUNT_ID: '123456789012', PULSEPET_AWS_REGION: 'eu-west-1' });
 */
export function loadInfraConfig(env: Record<string, string | undefined>): InfraConfig {
  const r = EnvSchema.safeParse(withoutEmpty(env));
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new PulsepetError('PP_ERR_CONFIG', `invalid infra configuration: ${problems.join('; ')}`, { details: { problems } });
  }
  const e = r.data;
  return Object.freeze({
    accountId: e.PULSEPET_AWS_ACCOUNT_ID,
    region: e.PULSEPET_AWS_REGION,
    namePrefix: e.PULSEPET_NAME_PREFIX,
    stage: e.PULSEPET_STAGE,
    coach: Object.freeze({ kind: e.PULSEPET_COACH, modelId: e.PULSEPET_COACH_MODEL_ID }),
    avatar: Object.freeze({ modelId: e.PULSEPET_AVATAR_MODEL_ID }),
    modelEndpoint: e.PULSEPET_MODEL_ENDPOINT,
    alarmEmail: e.PULSEPET_ALARM_EMAIL,
    logRetentionDays: e.PULSEPET_LOG_RETENTION_DAYS,
    iotLogLevel: e.PULSEPET_IOT_LOG_LEVEL,
    displayDist: e.PULSEPET_DISPLAY_DIST,
    stateBucket: e.PULSEPET_STATE_BUCKET,
    tags: Object.freeze({ Project: 'pulsepet', Stage: e.PULSEPET_STAGE, ManagedBy: 'cdktf' }),
  });
}

/** An empty variable counts as unset (`PULSEPET_ALARM_EMAIL= cdktf synth`). */
function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}
