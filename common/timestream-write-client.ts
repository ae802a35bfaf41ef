import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { TimestreamWriteClient, type TimestreamWriteClientConfig } from '@aws-sdk/client-timestream-write';
import type { Logger } from './logger';
import { hotPathClientOptions } from './sdk-config';

export interface IngestClientOptions extends TimestreamWriteClientConfig {
  /**
   * Concurrent HTTP connections (SDK default 50). One process serving many rule
   * invocations (the local stack) keeps more WriteRecords in flight than one Lambda
   * instance does; each waits for the store's group commit, so more sockets means
   * larger commits.
   */
  maxSockets?: number;
}

/**
 * A TimestreamWriteClient for the ingest path. Endpoint and credentials come from the
 * config or the standard environment (AWS_ENDPOINT_URL in local mode).
 *
 * Why a custom SDK logger: the SDK's logger middleware builds a sensitive-data-filtered
 * copy of every request and response whenever `logger.info` exists — even for its
 * default no-op logger — and then discards it. For WriteRecords (100 multi-measure
 * records a call) that is about a fifth of the function's CPU. A logger without `info`
 * skips the work; SDK warnings still reach pino. Its middleware stack is resolved once per
 * command (`cacheMiddleware`, common/sdk-config.ts): nothing passes per-call options.
 * @example const client = createTimestreamWriteClient({ region: 'us-east-1', maxSockets: 200 }, logger);
 */
export function createTimestreamWriteClient(options: IngestClientOptions = {}, logger?: Logger): TimestreamWriteClient {
  const { maxSockets, ...config } = options;
  const sockets =
    maxSockets === undefined
      ? {}
      : {
          requestHandler: {
            httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
            httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
          },
        };
  return new TimestreamWriteClient({ ...hotPathClientOptions('timestream-write', logger), ...sockets, ...config });
}
