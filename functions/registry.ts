/**
 * The functions pulsepet deploys, listed once: name → handler module, its own
 * environment variables, and its limits. `cli/` hands this list to the local Lambda
 * service (local/lambda) and `infra/` hands it to AWS Lambda, so a new function is
 * added here and nowhere else. Names are the ones the rules in cloud-rules/ invoke.
 *
 * @example
 * for (const f of FUNCTIONS) console.log(f.name, fileURLToPath(f.module), f.timeoutSeconds);
 */
import { FUNCTION_NAMES, TIMESTREAM } from '../protocol/resources';

/** Lambda's asynchronous invocation settings (PutFunctionEventInvokeConfig). */
export interface AsyncInvokeSettings {
  /** retries after a failed attempt, 0–2 (Lambda's default 2) */
  maximumRetryAttempts: 0 | 1 | 2;
  /** how long an event may wait in the queue, 60–21,600 s (Lambda's default 6 h) */
  maximumEventAgeSeconds: number;
}

export interface FunctionDefinition {
  /** the Lambda function name (the last part of the rules' functionArn) */
  name: string;
  description: string;
  /** the module exporting the handler (TypeScript; bundled by infra, run as is locally) */
  module: URL;
  /** the exported handler's name (Lambda's `file.handler`, the part after the dot) */
  handler: string;
  /** the function's own environment variables (endpoint, region and credentials come from the platform) */
  environment: Readonly<Record<string, string>>;
  /** Lambda's function timeout */
  timeoutSeconds: number;
  /** Lambda's memory setting */
  memoryMb: number;
  asyncInvoke: AsyncInvokeSettings;
}

/** Lambda's defaults for asynchronous invocation (invocation-async-error-handling). */
export const LAMBDA_ASYNC_DEFAULTS: AsyncInvokeSettings = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };

export const FUNCTIONS: readonly FunctionDefinition[] = Object.freeze<FunctionDefinition[]>([
  {
    name: FUNCTION_NAMES.ingest,
    description: 'Telemetry v1 batches (rule ingest_telemetry) to Timestream WriteRecords, one vitals record per sample.',
    module: new URL('./ingest/handler.ts', import.meta.url),
    handler: 'handler',
    environment: {
      PULSEPET_TIMESTREAM_DATABASE: TIMESTREAM.database,
      PULSEPET_TIMESTREAM_TABLE: TIMESTREAM.telemetryTable,
    },
    timeoutSeconds: 60,
    memoryMb: 1024,
    asyncInvoke: LAMBDA_ASYNC_DEFAULTS,
  },
  {
    name: FUNCTION_NAMES.reasoning,
    description: 'Every telemetry batch (rule reason_on_telemetry): models → pet state → the pet shadow, when the state changes.',
    module: new URL('./reasoning/handler.ts', import.meta.url),
    handler: 'handler',
    environment: {
      PULSEPET_TIMESTREAM_DATABASE: TIMESTREAM.database,
      PULSEPET_TIMESTREAM_TABLE: TIMESTREAM.telemetryTable,
      PULSEPET_DAILY_TABLE: TIMESTREAM.dailyTable,
      PULSEPET_AVATAR_FUNCTION: FUNCTION_NAMES.avatar,
    },
    timeoutSeconds: 30,
    memoryMb: 512,
    // A stale pet state is worth less than a fresh one: an hour, not Lambda's six.
    asyncInvoke: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600 },
  },
  {
    name: FUNCTION_NAMES.dailySummary,
    description: 'Schedule daily_summary (00:15 UTC): every thing’s metrics and anomalies for the previous UTC day → table daily and the daily shadow.',
    module: new URL('./daily-summary/handler.ts', import.meta.url),
    handler: 'handler',
    environment: {
      PULSEPET_TIMESTREAM_DATABASE: TIMESTREAM.database,
      PULSEPET_TELEMETRY_TABLE: TIMESTREAM.telemetryTable,
      PULSEPET_DAILY_TABLE: TIMESTREAM.dailyTable,
    },
    // One run walks the whole fleet (functions/daily-summary/README.md): Lambda's maximum.
    timeoutSeconds: 900,
    memoryMb: 512,
    // A day's summary is still worth writing hours late; a rerun writes the same record.
    asyncInvoke: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 },
  },
  {
    name: FUNCTION_NAMES.avatar,
    description: 'The pet’s face, invoked by pulsepet-reasoning when the state changes: one image per visual state (Bedrock InvokeModel), stored once in S3 as avatars/{hash}.png, then the pet shadow’s desired.avatar.',
    module: new URL('./avatar/handler.ts', import.meta.url),
    handler: 'handler',
    // bucket and model: functions/avatar/config.ts defaults (AVATARS.bucket, AVATAR_DEFAULT_MODEL_ID); infra sets the deployed ones
    environment: {},
    // an image takes seconds to tens of seconds; the generation deadline (40 s) stays below this
    timeoutSeconds: 60,
    memoryMb: 512,
    // A face an hour late is still the right face; Lambda's retries (1 and 2 min) ride out throttling.
    asyncInvoke: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600 },
  },
]);

/** The definition of one function, or undefined. */
export function functionDefinition(name: string): FunctionDefinition | undefined {
  return FUNCTIONS.find((f) => f.name === name);
}
