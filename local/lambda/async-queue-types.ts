import type { FsyncPolicy } from '../../common/fsync-policy';
import type { Logger } from '../../common/logger';
import { PulsepetError } from '../../protocol/errors';
import type { QueuePriority } from './lane-priority';
import type { AsyncInvokeConfig, LambdaTarget } from './types';

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
  /**
   * bytes one function's queued events may take (default half of `maxBytes`): past it only
   * that function is throttled, so one slow function's backlog never refuses another's
   * events, as Lambda throttles each function on its own
   */
  functionMaxBytes?: number;
  /** functions that come first when the machine is short of CPU (lane-priority.ts); none by default */
  priority?: QueuePriority;
}

/**
 * The queue's defaults. 1 GiB on disk: at 10,000 devices ingest's backlog reaches about
 * 270 MB while the devices connect, beside the reasoning function's full half; with 512 MiB
 * the total bound refused 792 and 3,097 acknowledged batches in two runs, with 1 GiB none
 * (README, "The version index bounded by time"). AWS keeps an event up to 6 hours.
 */
export const DEFAULT_QUEUE_LIMITS: AsyncQueueLimits = { maxBytes: 1024 * 1024 * 1024, memoryBytes: 64 * 1024 * 1024, concurrency: 64 };

export interface AsyncQueueOptions {
  dir: string;
  /**
   * false keeps events in memory only (nothing survives a crash): the baseline the
   * ingest benchmark measures the durable queue against. Default true.
   */
  durable?: boolean;
  fsync?: FsyncPolicy;
  limits?: Partial<AsyncQueueLimits>;
  delaysMs?: readonly number[];
  logger: Logger;
  now?: () => number;
  target(name: string): { target: LambdaTarget; config: AsyncInvokeConfig } | undefined;
  onAttempt?: (inv: AsyncInvocation, ok: boolean, error?: string) => void;
  destination: () => FailureDestination;
}

/** Figures for /metrics and the logs. */
export interface AsyncQueueStats {
  /** events queued, waiting for a retry or running */
  depth: number;
  running: number;
  /** age of the oldest event in the queue (0 when empty) */
  oldestAgeMs: number;
  diskBytes: number;
  maxBytes: number;
  memoryBytes: number;
  /** events refused because the queue was full, since start */
  throttled: number;
  /** events that reached the failure destination, since start */
  failed: number;
  /** other functions are yielding to the ones that come first (limits.priority), and how many times they started to */
  yielding: boolean;
  yieldSpells: number;
  byFunction: Record<string, { depth: number; running: number; throttled: number }>;
  /** fsyncs of the queue's log since start: count, total and longest duration */
  fsync: { syncs: number; totalMs: number; maxMs: number };
}
