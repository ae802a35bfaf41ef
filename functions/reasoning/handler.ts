import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import type { BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import { createBedrockRuntimeClient } from '../../common/bedrock-client';
import { createLogger, type Logger } from '../../common/logger';
import { hotPathClientConfig } from '../../common/sdk-config';
import { FUNCTION_NAMES } from '../../protocol/resources';
import { COACH_CACHE_SHADOW, REASONING_SHADOW } from '../../protocol/topics';
import { logStreamSink } from '../shared/emf';
import { type ErrorReporter, iotErrorReporter, type Refused, settlePermanentFailures } from '../shared/error-channel';
import { lambdaAvatars } from './avatar-adapter';
import { recentWindow, timestreamBaselines } from './baseline-adapter';
import { BedrockCoach } from './bedrock-coach';
import { BudgetedCoach } from './budgeted-coach';
import { loadReasoningConfig, type ReasoningConfig } from './config';
import { DeterministicCoach } from './deterministic-coach';
import { inProcessModels, sagemakerModels } from './model-adapters';
import type { Coach, ShadowPort } from './ports';
import { type ReasoningDeps, type ReasonResult, reason } from './reason';
import { isPersonaEvent, type RewordResult, reword } from './reword';
import { iotDataShadows } from './shadow-adapter';
import { PerThing, thingOf } from './per-thing';
import { cachingShadow } from './shadow-cache';

/**
 * Lambda entry point of `pulsepet-reasoning`, invoked by the `reason_on_telemetry` rule
 * for every telemetry batch, and by `reword_on_persona` when the wearer's persona changes. Dependencies are built once per container (Lambda init).
 */

export interface ReasoningHandlerDeps extends ReasoningDeps {
  report: ErrorReporter;
}

let deps: ReasoningHandlerDeps | undefined;
let handle: ReturnType<typeof createReasoningHandler> | undefined;

function init(): ReasoningHandlerDeps {
  // the one place this function reads process.env (CONVENTIONS.md rule 4)
  const config = loadReasoningConfig(process.env);
  const logger = createLogger('reasoning', { level: config.logLevel });
  // quiet SDK loggers and each client's middleware resolved once per command (common/sdk-config.ts)
  const sdk = (name: string) => hotPathClientConfig(name, config.region, logger);
  const iotData = new IoTDataPlaneClient(sdk('iot-data'));
  const query = new TimestreamQueryClient(sdk('timestream-query'));
  // the reasoning shadow's last known version per thing, shared by the loop and the coach's
  // budget (both write that shadow): one GetThingShadow fewer per batch; and the coach's
  // answer cache: one fewer per pet write
  const shadows =
    config.stateCacheThings === 0
      ? iotDataShadows(iotData)
      : cachingShadow(iotDataShadows(iotData), { shadowNames: [REASONING_SHADOW, COACH_CACHE_SHADOW], maxThings: config.stateCacheThings });
  const model = config.modelEndpoint === undefined ? inProcessModels : sagemakerModels(new SageMakerRuntimeClient(sdk('sagemaker-runtime')), config.modelEndpoint);
  return {
    shadows,
    model,
    baselines: timestreamBaselines(query, config.database, config.dailyTable),
    window: recentWindow(query, { database: config.database, telemetryTable: config.telemetryTable, dailyTable: config.dailyTable }),
    coach: coachOf(config, shadows, logger, sdk('bedrock-runtime')),
    logger,
    now: Date.now,
    baselineRefreshMs: config.baselineRefreshMs,
    ...(config.avatarFunction === undefined ? {} : { avatars: lambdaAvatars(new LambdaClient(sdk('lambda')), config.avatarFunction) }),
    report: iotErrorReporter(iotData),
  };
}

/** The deterministic coach alone, or the Bedrock coach within its budget with the deterministic one as fallback. */
function coachOf(config: ReasoningConfig, shadows: ShadowPort, logger: Logger, sdk: { region: string; logger: unknown }): Coach {
  const deterministic = new DeterministicCoach();
  if (config.coach.kind === 'deterministic') return deterministic;
  // maxAttempts 1: converse-call.ts owns the retry policy (3 attempts within the deadline)
  const bedrock = createBedrockRuntimeClient({ region: sdk.region, logger: sdk.logger as BedrockRuntimeClientConfig['logger'], maxAttempts: 1 });
  return new BudgetedCoach({
    llm: new BedrockCoach(bedrock, { modelId: config.coach.modelId, deadlineMs: config.coach.deadlineMs }),
    fallback: deterministic,
    shadows,
    limits: config.coach.limits,
    logger,
    metrics: logStreamSink,
  });
}

/**
 * Builds a handler over explicit dependencies (tests): an event that can never be
 * reasoned about (not telemetry v1) is reported on the error channel and answered
 * `{refused: true}`; shadow or store failures throw, so Lambda retries them. One thing's
 * events run one after another (per-thing.ts).
 */
export function createReasoningHandler(
  d: ReasoningHandlerDeps,
): (event: unknown, context?: { awsRequestId?: string }) => Promise<ReasonResult | RewordResult | Refused> {
  const perThing = new PerThing();
  return (event, context) =>
    perThing.run(thingOf(event), () =>
      settlePermanentFailures<ReasonResult | RewordResult>(() => (isPersonaEvent(event) ? reword(event, d) : reason(event, d)), {
        functionName: FUNCTION_NAMES.reasoning,
        ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
        event,
        report: d.report,
        logger: d.logger,
      }),
    );
}

/** The Lambda handler. */
export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<ReasonResult | RewordResult | Refused> {
  // one handler per environment: its per-thing order spans the invocations it runs
  deps ??= init();
  handle ??= createReasoningHandler(deps);
  return handle(event, context);
}
