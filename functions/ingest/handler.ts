import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { createLogger } from '../../common/logger';
import { hotPathClientConfig } from '../../common/sdk-config';
import { createTimestreamWriteClient } from '../../common/timestream-write-client';
import { FUNCTION_NAMES } from '../../protocol/resources';
import { type ErrorReporter, iotErrorReporter, type Refused, settlePermanentFailures } from '../shared/error-channel';
import { loadIngestConfig } from './config';
import { type IngestDeps, type IngestResult, ingest } from './ingest';

/**
 * Lambda entry point of `pulsepet-ingest`, invoked by the `ingest_telemetry` rule.
 * Dependencies are built once per container (Lambda init), from the environment.
 */

/** The ingest dependencies plus where refused batches are reported. */
export interface IngestHandlerDeps extends IngestDeps {
  report: ErrorReporter;
}

let deps: IngestHandlerDeps | undefined;

function init(): IngestHandlerDeps {
  // the one place this function reads process.env (CONVENTIONS.md rule 4)
  const config = loadIngestConfig(process.env);
  const logger = createLogger('ingest', { level: config.logLevel });
  // No endpoints here: the SDK reads AWS_ENDPOINT_URL (local mode; Timestream then skips
  // endpoint discovery) or, on AWS, AWS_ENDPOINT_URL_IOT_DATA_PLANE for the account's
  // IoT data endpoint, which infra sets.
  const client = createTimestreamWriteClient({ region: config.region }, logger);
  const report = iotErrorReporter(new IoTDataPlaneClient(hotPathClientConfig('iot-data', config.region, logger)));
  return { client, database: config.database, table: config.table, logger, report };
}

/**
 * Builds a handler over explicit dependencies (tests): a batch that can never be
 * stored is reported on the error channel and answered `{refused: true}`; a store
 * failure throws (retryable), so Lambda retries it.
 */
export function createIngestHandler(d: IngestHandlerDeps): (event: unknown, context?: { awsRequestId?: string }) => Promise<IngestResult | Refused> {
  return (event, context) =>
    settlePermanentFailures(() => ingest(event, d), {
      functionName: FUNCTION_NAMES.ingest,
      ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
      event,
      report: d.report,
      logger: d.logger,
    });
}

/**
 * The Lambda handler: validates the telemetry v1 batch and writes one `vitals` record
 * per sample. A bad batch (`PP_ERR_VALIDATION`) is reported on `pulsepet/errors` and not
 * retried; a retryable `PP_ERR_STORE` (Timestream unavailable) fails the invocation.
 */
export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<IngestResult | Refused> {
  deps ??= init();
  return createIngestHandler(deps)(event, context);
}
