import { z } from 'zod';
import { PulsepetError } from '../../protocol/errors';
import { COACH_DEFAULT_MODEL_ID } from '../../protocol/resources';

/**
 * The daily summary's configuration, parsed once from the Lambda environment (or the
 * CLI's). Endpoints and credentials are not here: the SDK reads AWS_ENDPOINT_URL (local
 * mode) or, on AWS, AWS_ENDPOINT_URL_IOT_DATA_PLANE for the account's IoT data endpoint.
 */
const EnvSchema = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  PULSEPET_TIMESTREAM_DATABASE: z.string().min(3).max(256).default('pulsepet'),
  PULSEPET_TELEMETRY_TABLE: z.string().min(3).max(256).default('telemetry'),
  PULSEPET_DAILY_TABLE: z.string().min(3).max(256).default('daily'),
  /** who words the day's explanation: the LLM on Bedrock (template as fallback), or only the template */
  PULSEPET_COACH: z.enum(['bedrock', 'deterministic']).default('bedrock'),
  PULSEPET_COACH_MODEL_ID: z
    .string()
    .regex(/^[\w.:/-]{3,2048}$/, 'not a Bedrock model id, inference profile id or ARN')
    .default(COACH_DEFAULT_MODEL_ID),
  /** one explanation in all, retries included (the run also stops asking 30 s before its 900 s timeout) */
  PULSEPET_COACH_DEADLINE_MS: z.coerce.number().int().min(500).max(60_000).default(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface DailySummaryConfig {
  readonly region: string;
  readonly database: string;
  readonly telemetryTable: string;
  readonly dailyTable: string;
  readonly logLevel: string;
  readonly explainer: {
    readonly kind: 'bedrock' | 'deterministic';
    readonly modelId: string;
    readonly deadlineMs: number;
  };
}

/** Parses the environment; every problem is reported at once as PP_ERR_CONFIG. */
export function loadDailySummaryConfig(env: Record<string, string | undefined>): DailySummaryConfig {
  const r = EnvSchema.safeParse(env);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new PulsepetError('PP_ERR_CONFIG', `invalid daily-summary configuration: ${problems.join('; ')}`);
  }
  return Object.freeze({
    region: r.data.AWS_REGION,
    database: r.data.PULSEPET_TIMESTREAM_DATABASE,
    telemetryTable: r.data.PULSEPET_TELEMETRY_TABLE,
    dailyTable: r.data.PULSEPET_DAILY_TABLE,
    logLevel: r.data.LOG_LEVEL,
    explainer: Object.freeze({ kind: r.data.PULSEPET_COACH, modelId: r.data.PULSEPET_COACH_MODEL_ID, deadlineMs: r.data.PULSEPET_COACH_DEADLINE_MS }),
  });
}
