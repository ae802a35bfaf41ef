/** What a local Lambda function receives besides its event (a subset of the Lambda context object). */
export interface LambdaContext {
  functionName: string;
  invokedFunctionArn: string;
  awsRequestId: string;
  /** 1 for the first attempt, 2 and 3 for Lambda's async retries */
  attempt: number;
  /** what invoked the function (the rule whose action queued the event) */
  ruleName: string;
}

/** An in-process handler (tests, benches): gets the parsed event. */
export type LambdaHandler = (event: unknown, context: LambdaContext) => Promise<unknown>;

/**
 * A function that takes its event as JSON text (a local execution environment): the
 * service hands it the queued text as is instead of parsing it first.
 */
export interface JsonLambdaTarget {
  invokeJson(eventJson: string, context: LambdaContext): Promise<unknown>;
}

/** What can be registered under a function name. */
export type LambdaTarget = LambdaHandler | JsonLambdaTarget;

/** Lambda's asynchronous invocation settings for one function (PutFunctionEventInvokeConfig). */
export interface AsyncInvokeConfig {
  /** retries after a failed attempt, 0–2 */
  maximumRetryAttempts: number;
  /** how long an event may wait before it is sent to the failure destination, in seconds */
  maximumEventAgeSeconds: number;
}

/**
 * A function to run in execution environments of its own, as `functions/registry.ts`
 * describes it (the local stack does not import product code: `cli/` hands the list in).
 */
export interface LocalFunctionSpec {
  name: string;
  /** file:// URL of the handler module */
  module: URL;
  handler?: string;
  /** the function's own variables; the platform adds endpoint, region, credentials */
  environment: Readonly<Record<string, string>>;
  timeoutSeconds?: number;
  memoryMb?: number;
  asyncInvoke?: AsyncInvokeConfig;
}
