import type { Logger } from './logger';

/**
 * An AWS SDK v3 logger without `info` (see createTimestreamWriteClient in
 * common/timestream-write-client.ts for why: the SDK then skips building a redacted copy of
 * every request and response). Warnings
 * reach pino; errors surface as thrown, typed exceptions. The SDK's Logger type requires
 * `info`, so callers cast it; leaving `info` out is the point.
 * @example new IoTDataPlaneClient({ region, logger: quietSdkLogger('iot-data', log) as never })
 */
export function quietSdkLogger(client: string, logger?: Logger): { debug(): void; warn(...args: unknown[]): void; error(): void } {
  return {
    debug: (): void => {},
    warn: (...args: unknown[]): void => logger?.warn({ sdk: args.map(String) }, `${client} SDK warning`),
    error: (): void => {},
  };
}
