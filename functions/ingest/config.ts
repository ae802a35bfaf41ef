import { z } from 'zod';
import { PulsepetError } from '../../protocol/errors';

/**
 * The ingest function's configuration, parsed once from the Lambda environment.
 * Endpoint and credentials are not here: the SDK reads the standard variables itself
 * (`AWS_ENDPOINT_URL` in local mode, the execution role on AWS).
 */
const EnvSchema = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  PULSEPET_TIMESTREAM_DATABASE: z.string().min(3).max(256).default('pulsepet'),
  PULSEPET_TIMESTREAM_TABLE: z.string().min(3).max(256).default('telemetry'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface IngestConfig {
  readonly region: string;
  readonly database: string;
  readonly table: string;
  readonly logLevel: string;
}

/** Parses the environment; every problem is reported at once as PP_ERR_CONFIG. */
export function loadIngestConfig(env: Record<string, string | undefined>): IngestConfig {
  const r = EnvSchema.safeParse(env);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new PulsepetError('PP_ERR_CONFIG', `invalid ingest configuration: ${problems.join('; ')}`);
  }
  return Object.freeze({
    region: r.data.AWS_REGION,
    database: r.data.PULSEPET_TIMESTREAM_DATABASE,
    table: r.data.PULSEPET_TIMESTREAM_TABLE,
    logLevel: r.data.LOG_LEVEL,
  });
}
