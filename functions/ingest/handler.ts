import { createLogger } from '../../common/logger';
import { createTimestreamWriteClient } from '../../common/timestream-write-client';
import { loadIngestConfig } from './config';
import { type IngestDeps, type IngestResult, ingest } from './ingest';

/**
 * Lambda entry point of `pulsepet-ingest`, invoked by the `ingest_telemetry` rule.
 * Dependencies are built once per container (Lambda init), from the environment.
 */

let deps: IngestDeps | undefined;

function init(): IngestDeps {
  // the one place this function reads process.env (CONVENTIONS.md rule 4)
  const config = loadIngestConfig(process.env);
  const logger = createLogger('ingest', { level: config.logLevel });
  // No endpoint here: AWS_ENDPOINT_URL (local mode) is read by the SDK itself, which
  // then skips Timestream endpoint discovery.
  const client = createTimestreamWriteClient({ region: config.region }, logger);
  return { client, database: config.database, table: config.table, logger };
}

/** Builds a handler over explicit dependencies (tests, the local rules runtime). */
export function createIngestHandler(d: IngestDeps): (event: unknown, context?: unknown) => Promise<IngestResult> {
  return (event) => ingest(event, d);
}

/**
 * The Lambda handler: validates the telemetry v1 batch and writes one `vitals` record per
 * sample. Throws `PulsepetError('PP_ERR_VALIDATION')` for a bad batch (report, no retry)
 * and a retryable `PP_ERR_STORE` when Timestream is unavailable.
 */
export async function handler(event: unknown, _context: unknown): Promise<IngestResult> {
  deps ??= init();
  return ingest(event, deps);
}
