import type { IoTDataPlaneClientConfig } from '@aws-sdk/client-iot-data-plane';
import type { Logger } from './logger';
import { quietSdkLogger } from './sdk-logger';

/** The SDK's logger type (every v3 client takes the same `@smithy/types` Logger). */
type SdkLogger = NonNullable<IoTDataPlaneClientConfig['logger']>;

/** What a hot-path AWS client is built with, beside its region. */
export interface HotPathClientOptions {
  logger: SdkLogger;
  cacheMiddleware: true;
}

/** {@link HotPathClientOptions} with the region; spread into any v3 client's config. */
export interface HotPathClientConfig extends HotPathClientOptions {
  region: string;
}

/**
 * The configuration of an AWS SDK v3 client a function calls on every event or every thing (iot-data, iot,
 * timestream-write, timestream-query, lambda, sagemaker-runtime): the quiet logger
 * ({@link quietSdkLogger}: no redacted copy of every request), and the SDK's documented
 * `cacheMiddleware` option, with which the client resolves its middleware stack once per
 * command class instead of on every `send` (sorting and wiring some 30 middleware per
 * call): about 7 % of the client's CPU per call in `bench/fleet-floor.ts --cache-middleware
 * on|off` (docs/fleet-scale.md).
 *
 * Only for clients whose middleware stack nothing changes after their first request and
 * whose `send` takes no per-call options: a call with options (an `abortSignal`) drops the
 * client's cache, so the Bedrock clients (deadlines) are built without it; so is the
 * avatar's S3 client, whose few calls (a cache miss, a presigned URL) gain nothing.
 * @example const iotData = new IoTDataPlaneClient(hotPathClientConfig('iot-data', region, logger));
 */
export function hotPathClientConfig(client: string, region: string, logger?: Logger): HotPathClientConfig {
  return { region, ...hotPathClientOptions(client, logger) };
}

/**
 * {@link hotPathClientConfig} without the region, for a client whose region may come from
 * the environment. The quiet logger has no `info` on purpose (common/sdk-logger.ts), which
 * the SDK's Logger type requires: hence the cast.
 */
export function hotPathClientOptions(client: string, logger?: Logger): HotPathClientOptions {
  return { logger: quietSdkLogger(client, logger) as unknown as SdkLogger, cacheMiddleware: true };
}
