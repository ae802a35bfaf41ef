import { PulsepetError } from '../../protocol/errors';

/** One queued asynchronous invocation. */
export interface AsyncInvocation {
  requestId: string;
  functionName: string;
  functionArn: string;
  eventJson: string;
  /** what queued it; functions see it as `context.ruleName` */
  source: string;
  /** epoch ms when it was queued: the maximum event age counts from here */
  enqueuedAt: number;
  /** attempts made so far */
  attempts: number;
  /** the caller's small JSON facts about the event, handed back with a failure */
  origin: unknown;
  /** the caller's bytes kept with the event (the rules: the original MQTT payload) */
  attachment?: Buffer;
}

/** Why an invocation left the queue without succeeding (Lambda's destination `condition`). */
export type FailureCondition = 'RetriesExhausted' | 'EventAgeExceeded';

export interface AsyncFailure {
  invocation: AsyncInvocation;
  condition: FailureCondition;
  error: string;
}

/** Where failed invocations go (Lambda's on-failure destination). */
export type FailureDestination = (failure: AsyncFailure) => Promise<void>;

/** What callers ask to queue (Lambda's `Invoke`, `InvocationType: Event`). */
export interface AsyncInvokeRequest {
  functionName: string;
  functionArn: string;
  eventJson: string;
  source: string;
  origin: unknown;
  attachment?: Buffer;
}

/** Lambda's answer when the queue cannot take more: `TooManyRequestsException` (HTTP 429). */
export class LambdaThrottledError extends PulsepetError {
  readonly errorType = 'TooManyRequestsException';
  constructor(message: string, cause?: unknown) {
    super('PP_ERR_LIMIT', message, { cause, retryable: true });
  }
}

/**
 * AWS Lambda's asynchronous retry schedule: two more attempts, 1 and then 2 minutes
 * after a failure (invocation-async-error-handling). Locally 1 s and 2 s by default.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1000, 2000];

export interface AsyncQueueLimits {
  /** bytes the queue may take on disk before new events are refused (default 512 MiB) */
  maxBytes: number;
  /** bytes of event bodies kept in memory (default 64 MiB) */
  memoryBytes: number;
  /** attempts one function runs at once (default 64) */
  concurrency: number;
}

export const DEFAULT_QUEUE_LIMITS: AsyncQueueLimits = { maxBytes: 512 * 1024 * 1024, memoryBytes: 64 * 1024 * 1024, concurrency: 64 };
