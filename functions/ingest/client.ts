import { TimestreamWriteClient, type TimestreamWriteClientConfig } from '@aws-sdk/client-timestream-write';
import type { Logger } from '../../common/logger';

type SdkLogger = NonNullable<TimestreamWriteClientConfig['logger']>;

/**
 * A TimestreamWriteClient for the ingest path. Endpoint and credentials come from the
 * config or the standard environment (AWS_ENDPOINT_URL in local mode).
 *
 * Why a custom SDK logger: the SDK's logger middleware builds a sensitive-data-filtered
 * copy of every request and response whenever `logger.info` exists — even for its
 * default no-op logger — and then discards it. For WriteRecords (100 multi-measure
 * records a call) that is about a fifth of the function's CPU. A logger without `info`
 * skips the work; SDK warnings and errors still reach pino.
 * @example const client = createTimestreamWriteClient({ region: 'us-east-1' }, logger);
 */
export function createTimestreamWriteClient(config: TimestreamWriteClientConfig = {}, logger?: Logger): TimestreamWriteClient {
  const quiet = {
    debug: (): void => {},
    warn: (...args: unknown[]): void => logger?.warn({ sdk: args.map(String) }, 'timestream-write SDK warning'),
    error: (): void => {}, // failures surface as thrown, typed errors
  };
  // The SDK's Logger type requires `info`; leaving it out is the point (see above).
  return new TimestreamWriteClient({ logger: quiet as unknown as SdkLogger, ...config });
}
