/** The local Timestream: a DuckDB telemetry store behind Timestream's awsJson1_0 wire protocol. */
export { type RejectedRecord, TimestreamError, type TimestreamErrorType } from './errors';
export { formatTimestampNs } from './query-results';
export { type SqlType, type TranslatedQuery, translateQuery } from './query-translator';
export { DEFAULT_COMMIT_DELAY_MS, DEFAULT_RETENTION, DEFAULT_STORE_THREADS, TelemetryStore, type TelemetryStoreOptions, type WriteResult } from './store';
export {
  createTimestreamService,
  type TimestreamServiceHandle,
  type TimestreamServiceOptions,
} from './timestream-service';
