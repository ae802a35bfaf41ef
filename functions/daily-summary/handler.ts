import { IoTClient } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { createBedrockRuntimeClient } from '../../common/bedrock-client';
import { createLogger } from '../../common/logger';
import { hotPathClientConfig } from '../../common/sdk-config';
import { createTimestreamWriteClient } from '../../common/timestream-write-client';
import { FUNCTION_NAMES } from '../../protocol/resources';
import { type EmfSink, logStreamSink } from '../shared/emf';
import { type ErrorReporter, iotErrorReporter, type Refused, settlePermanentFailures } from '../shared/error-channel';
import { iotDailyShadow, iotPersona, iotThingList } from './aws-adapters';
import { type DailySummaryConfig, loadDailySummaryConfig } from './config';
import { BedrockExplainer, DayExplainer } from './explainer';
import { runScheduled, type ScheduledRunDeps, type ScheduledRunResult } from './scheduled-run';
import { timestreamDaily, timestreamTelemetry } from './timestream-adapters';

/**
 * Lambda entry point of `pulsepet-daily-summary`, invoked by the `daily_summary`
 * schedule (cloud-rules/schedules.ts). Dependencies are built once per container.
 */

export interface DailySummaryHandlerDeps extends ScheduledRunDeps {
  report: ErrorReporter;
}

let deps: DailySummaryHandlerDeps | undefined;

/** Lambda context: the invocation's id and the time it has left. */
export interface InvocationContext {
  awsRequestId?: string;
  getRemainingTimeInMillis?: () => number;
}

/** LLM calls stop this long before the function's timeout: the template and the writes fit in it. */
export const RUN_MARGIN_MS = 30_000;

/**
 * The run's dependencies over the real clients (also what `pulsepet summarize` uses,
 * with its own metric sink). The Bedrock client makes one attempt per send:
 * converse-call.ts owns the retry policy.
 */
export function dailySummaryDeps(
  config: DailySummaryConfig,
  opts: { metrics?: EmfSink } = {},
): { deps: ScheduledRunDeps; iotData: IoTDataPlaneClient; destroy(): void } {
  const logger = createLogger('daily-summary', { level: config.logLevel });
  // a run reads and writes for every thing of the fleet: the hot-path clients (common/sdk-config.ts)
  const sdk = (name: string) => hotPathClientConfig(name, config.region, logger);
  const query = new TimestreamQueryClient(sdk('timestream-query'));
  const write = createTimestreamWriteClient({ region: config.region }, logger);
  const iotData = new IoTDataPlaneClient(sdk('iot-data'));
  const iot = new IoTClient(sdk('iot'));
  const bedrock = config.explainer.kind === 'bedrock' ? createBedrockRuntimeClient({ region: config.region, maxAttempts: 1 }) : undefined;
  const llm = bedrock === undefined ? undefined : new BedrockExplainer(bedrock, { modelId: config.explainer.modelId });
  const tables = { database: config.database, telemetryTable: config.telemetryTable, dailyTable: config.dailyTable };
  return {
    deps: {
      telemetry: timestreamTelemetry(query, tables),
      daily: timestreamDaily(query, write, tables),
      shadow: iotDailyShadow(iotData),
      persona: iotPersona(iotData),
      explainer: new DayExplainer({ llm, deadlineMs: config.explainer.deadlineMs, logger, metrics: opts.metrics ?? logStreamSink }),
      things: iotThingList(iot),
      logger,
      now: Date.now,
    },
    iotData,
    destroy() {
      for (const c of [query, write, iotData, iot, bedrock]) c?.destroy();
    },
  };
}

function init(): DailySummaryHandlerDeps {
  // the one place this function reads process.env (CONVENTIONS.md rule 4)
  const built = dailySummaryDeps(loadDailySummaryConfig(process.env));
  return { ...built.deps, report: iotErrorReporter(built.iotData) };
}

/**
 * Builds a handler over explicit dependencies (tests): an event that is not a valid
 * schedule input is reported on the error channel and answered `{refused: true}`;
 * store or shadow failures throw, so Lambda retries the run.
 */
export function createDailySummaryHandler(
  d: DailySummaryHandlerDeps,
): (event: unknown, context?: InvocationContext) => Promise<ScheduledRunResult | Refused> {
  return (event, context) => {
    const left = context?.getRemainingTimeInMillis?.();
    const run = left === undefined ? d : { ...d, explainBy: d.now() + left - RUN_MARGIN_MS };
    return settlePermanentFailures(() => runScheduled(event, run), {
      functionName: FUNCTION_NAMES.dailySummary,
      ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
      event,
      report: d.report,
      logger: d.logger,
    });
  };
}

/** The Lambda handler. */
export async function handler(event: unknown, context?: InvocationContext): Promise<ScheduledRunResult | Refused> {
  deps ??= init();
  return createDailySummaryHandler(deps)(event, context);
}
