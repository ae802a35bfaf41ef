/** The local Lambda service: functions in execution environments of their own, and the asynchronous invocation queue. */
export { type AsyncFailure, type AsyncInvocation, DEFAULT_RETRY_DELAYS_MS, type FailureCondition, type FailureDestination } from './async-invoker';
export { FunctionError, LocalFunction, type LocalFunctionOptions } from './runtime';
export { type AsyncInvokeRequest, LambdaService, type LambdaServiceOptions } from './service';
export type { AsyncInvokeConfig, JsonLambdaTarget, LambdaContext, LambdaHandler, LambdaTarget, LocalFunctionSpec } from './types';
