import { IoTClient } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { createLogger } from '../../common/logger';
import { createTimestreamWriteClient } from '../../common/timestream-write-client';
import { FUNCTION_NAMES } from '../../protocol/resources';
import { type ErrorReporter, iotErrorReporter, type Refused, settlePermanentFailures } from '../shared/error-channel';
import { iotDailyShadow, iotThingList } from './aws-adapters';
import { type DailySummaryConfig, loadDailySummaryConfig } from './config';
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

/** The run's dependencies over the real clients (also what `pulsepet summarize` uses). */
export function dailySummaryDeps(config: DailySummaryConfig): { deps: ScheduledRunDeps; iotData: IoTDataPlaneClient; destroy(): void } {
  const logger = createLogger('daily-summary', { level: config.logLevel });
  const query = new TimestreamQueryClient({ region: config.region });
  const write = createTimestreamWriteClient({ region: config.region }, logger);
  const iotData = new IoTDataPlaneClient({ region: config.region });
  const iot = new IoTClient({ region: config.region });
  const tables = { database: config.database, telemetryTable: config.telemetryTable, dailyTable: config.dailyTable };
  return {
    deps: {
      telemetry: timestreamTelemetry(query, tables),
      daily: timestreamDaily(query, write, tables),
      shadow: iotDailyShadow(iotData),
      things: iotThingList(iot),
      logger,
      now: Date.now,
    },
    iotData,
    destroy() {
      for (const c of [query, write, iotData, iot]) c.destroy();
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
): (event: unknown, context?: { awsRequestId?: string }) => Promise<ScheduledRunResult | Refused> {
  return (event, context) =>
    settlePermanentFailures(() => runScheduled(event, d), {
      functionName: FUNCTION_NAMES.dailySummary,
      ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
      event,
      report: d.report,
      logger: d.logger,
    });
}

/** The Lambda handler. */
export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<ScheduledRunResult | Refused> {
  deps ??= init();
  return createDailySummaryHandler(deps)(event, context);
}
