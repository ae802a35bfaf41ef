/** The local Lambda service: functions in execution environments of their own, and the durable asynchronous invocation queue. */
export {
  type AsyncFailure,
  type AsyncInvocation,
  type AsyncInvokeRequest,
  type AsyncQueueLimits,
  type AsyncQueueStats,
  DEFAULT_QUEUE_LIMITS,
  DEFAULT_RETRY_DELAYS_MS,
  type FailureCondition,
  type FailureDestination,
  LambdaThrottledError,
} from './async-queue';
export { createLambdaInvokeService, EVENT_PAYLOAD_MAX, INVOKE_API_SOURCE, type LambdaInvokeServiceOptions, SYNC_PAYLOAD_MAX } from './invoke-api';
export { FunctionError, LocalFunction, type LocalFunctionOptions } from './runtime';
export { LambdaService, type LambdaServiceOptions } from './service';
export type { AsyncInvokeConfig, JsonLambdaTarget, LambdaContext, LambdaHandler, LambdaTarget, LocalFunctionSpec } from './types';
