import { z } from 'zod';
import { PulsepetError } from '../../protocol/errors';
import { COACH_DEFAULT_MODEL_ID } from '../../protocol/resources';
import { type CoachLimits, DEFAULT_COACH_LIMITS } from './coach-budget';

/**
 * The reasoning function's configuration, parsed once from the Lambda environment.
 * Endpoints and credentials are not here: the SDK reads AWS_ENDPOINT_URL (local mode)
 * or, on AWS, AWS_ENDPOINT_URL_IOT_DATA_PLANE (the account's IoT data endpoint, set by infra).
 */
const EnvSchema = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  PULSEPET_TIMESTREAM_DATABASE: z.string().min(3).max(256).default('pulsepet'),
  PULSEPET_DAILY_TABLE: z.string().min(3).max(256).default('daily'),
  PULSEPET_TIMESTREAM_TABLE: z.string().min(3).max(256).default('telemetry'),
  /** a SageMaker endpoint serving the models; unset → the models run in-process */
  MODEL_ENDPOINT: z
    .string()
    .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'not a SageMaker endpoint name')
    .optional(),
  /** how old the cached baseline may get before the daily table is read again */
  PULSEPET_BASELINE_REFRESH_MS: z.coerce.number().int().min(60_000).max(86_400_000).default(3_600_000),
  /** things whose `reasoning` shadow an execution environment keeps a copy of (0: read it for every batch) */
  PULSEPET_STATE_CACHE_THINGS: z.coerce.number().int().min(0).max(100_000).default(20_000),
  /** who words the pet: the LLM coach on Bedrock (within its budget), or only the deterministic coach */
  PULSEPET_COACH: z.enum(['bedrock', 'deterministic']).default('bedrock'),
  PULSEPET_COACH_MODEL_ID: z
    .string()
    .regex(/^[\w.:/-]{3,2048}$/, 'not a Bedrock model id, inference profile id or ARN')
    .default(COACH_DEFAULT_MODEL_ID),
  /** one coach call in all, retries included; below the function's 30 s timeout */
  PULSEPET_COACH_DEADLINE_MS: z.coerce.number().int().min(500).max(20_000).default(8_000),
  PULSEPET_COACH_CALLS_PER_DAY: z.coerce.number().int().min(0).max(96).default(DEFAULT_COACH_LIMITS.callsPerDay),
  PULSEPET_COACH_MIN_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(DEFAULT_COACH_LIMITS.minIntervalMs),
  PULSEPET_COACH_CACHE_TTL_MS: z.coerce.number().int().min(0).max(86_400_000).default(DEFAULT_COACH_LIMITS.cacheTtlMs),
  PULSEPET_COACH_MINOR_CHANGE_MS: z.coerce.number().int().min(0).max(86_400_000).default(DEFAULT_COACH_LIMITS.minorChangeMs),
  /** the avatar function asked for the pet's face after each state change; unset → no avatars */
  PULSEPET_AVATAR_FUNCTION: z
    .string()
    .regex(/^[a-zA-Z0-9_:.$-]{1,170}$/, 'not a Lambda function name or ARN')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface ReasoningConfig {
  readonly region: string;
  readonly database: string;
  readonly dailyTable: string;
  readonly telemetryTable: string;
  readonly modelEndpoint: string | undefined;
  readonly baselineRefreshMs: number;
  readonly stateCacheThings: number;
  readonly avatarFunction: string | undefined;
  readonly logLevel: string;
  readonly coach: {
    readonly kind: 'bedrock' | 'deterministic';
    readonly modelId: string;
    readonly deadlineMs: number;
    readonly limits: CoachLimits;
  };
}

/** Parses the environment; every problem is reported at once as PP_ERR_CONFIG. */
export function loadReasoningConfig(env: Record<string, string | undefined>): ReasoningConfig {
  const r = EnvSchema.safeParse(env);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new PulsepetError('PP_ERR_CONFIG', `invalid reasoning configuration: ${problems.join('; ')}`);
  }
  return Object.freeze({
    region: r.data.AWS_REGION,
    database: r.data.PULSEPET_TIMESTREAM_DATABASE,
    dailyTable: r.data.PULSEPET_DAILY_TABLE,
    telemetryTable: r.data.PULSEPET_TIMESTREAM_TABLE,
    modelEndpoint: r.data.MODEL_ENDPOINT,
    baselineRefreshMs: r.data.PULSEPET_BASELINE_REFRESH_MS,
    stateCacheThings: r.data.PULSEPET_STATE_CACHE_THINGS,
    avatarFunction: r.data.PULSEPET_AVATAR_FUNCTION,
    logLevel: r.data.LOG_LEVEL,
    coach: Object.freeze({
      kind: r.data.PULSEPET_COACH,
      modelId: r.data.PULSEPET_COACH_MODEL_ID,
      deadlineMs: r.data.PULSEPET_COACH_DEADLINE_MS,
      limits: Object.freeze({
        callsPerDay: r.data.PULSEPET_COACH_CALLS_PER_DAY,
        minIntervalMs: r.data.PULSEPET_COACH_MIN_INTERVAL_MS,
        cacheTtlMs: r.data.PULSEPET_COACH_CACHE_TTL_MS,
        minorChangeMs: r.data.PULSEPET_COACH_MINOR_CHANGE_MS,
      }),
    }),
  });
}
