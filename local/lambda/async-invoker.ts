import { randomUUID } from 'node:crypto';
import type { Logger } from '../../common/logger';
import type { AsyncInvokeConfig, LambdaContext, LambdaTarget } from './types';

/**
 * One asynchronous ("Event") invocation as Lambda's internal queue holds it: the event
 * as JSON text (each attempt, and a replay, gets the same bytes), the attempts made, and
 * the caller's facts about it, handed back with a failure as Lambda hands the request
 * context to an on-failure destination.
 */
export interface AsyncInvocation {
  requestId: string;
  functionName: string;
  functionArn: string;
  eventJson: string;
  /** what queued it; functions see it as `context.ruleName` */
  source: string;
  /** epoch ms when it was queued: the maximum event age counts from here */
  enqueuedAt: number;
  attempts: number;
  /** JSON-serializable facts of the caller (the rules runtime: topic, payload, action…) */
  origin: unknown;
}

/** Why an invocation left the queue without succeeding (Lambda's destination `condition`, plus shutdown). */
export type FailureCondition = 'RetriesExhausted' | 'EventAgeExceeded' | 'Shutdown';

export interface AsyncFailure {
  invocation: AsyncInvocation;
  condition: FailureCondition;
  error: string;
}

/** Where failed invocations go (Lambda's on-failure destination). */
export type FailureDestination = (failure: AsyncFailure) => Promise<void>;

/**
 * AWS Lambda's asynchronous invocation retry schedule: after a failed attempt it
 * tries two more times, waiting 1 minute and then 2 minutes.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 * Locally the same two retries run after 1 s and 2 s (configurable).
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1000, 2000];

/** Tracks in-flight work so callers can wait for quiescence without sleeping. */
export class Inflight {
  private n = 0;
  private waiters: Array<() => void> = [];

  begin(): void {
    this.n++;
  }

  end(): void {
    this.n--;
    if (this.n === 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    }
  }

  idle(): Promise<void> {
    return this.n === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }
}

export interface AsyncInvokerOptions {
  delaysMs: readonly number[];
  logger: Logger;
  now?: () => number;
  target(name: string): { target: LambdaTarget; config: AsyncInvokeConfig } | undefined;
  onAttempt?: (inv: AsyncInvocation, ok: boolean, error?: string) => void;
  destination: () => FailureDestination;
}

/**
 * Runs queued asynchronous invocations: the caller gets control back at once;
 * failures are retried on the async schedule (up to the function's
 * `maximumRetryAttempts`, within its `maximumEventAgeSeconds`) and then handed to the
 * failure destination.
 */
export class AsyncInvoker {
  /** invocations waiting for their next attempt (queued, or between retries), with the timer that will run it */
  private readonly waiting = new Map<AsyncInvocation, () => void>();
  /** invocations whose attempt is running now */
  private readonly running = new Set<AsyncInvocation>();
  /** running invocations handed back at shutdown: whatever their attempt ends with is ignored */
  private readonly abandoned = new WeakSet<AsyncInvocation>();
  private readonly inflight = new Inflight();
  private closed = false;

  constructor(private readonly opts: AsyncInvokerOptions) {}

  /** Queues an invocation (Lambda's async Invoke answers 202 once the event is queued). */
  enqueue(inv: Omit<AsyncInvocation, 'requestId' | 'attempts' | 'enqueuedAt'>): AsyncInvocation {
    const full: AsyncInvocation = { ...inv, requestId: randomUUID(), attempts: 0, enqueuedAt: this.now() };
    this.inflight.begin();
    this.schedule(full, 0);
    return full;
  }

  /** Runs one attempt now, outside the queue (a dead-letter replay). */
  async invokeOnce(inv: AsyncInvocation): Promise<void> {
    const entry = this.opts.target(inv.functionName);
    if (entry === undefined) throw new Error(`Function not found: ${inv.functionArn}`);
    inv.attempts++;
    const context: LambdaContext = {
      functionName: inv.functionName,
      invokedFunctionArn: inv.functionArn,
      awsRequestId: inv.requestId,
      attempt: inv.attempts,
      ruleName: inv.source,
    };
    if (typeof entry.target === 'function') await entry.target(JSON.parse(inv.eventJson), context);
    else await entry.target.invokeJson(inv.eventJson, context);
  }

  /** Resolves when nothing is queued, retrying or running. */
  idle(): Promise<void> {
    return this.inflight.idle();
  }

  /** Invocations queued, waiting for a retry, or running. */
  get depth(): number {
    return this.waiting.size + this.running.size;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private schedule(inv: AsyncInvocation, delayMs: number): void {
    const run = () => {
      this.waiting.delete(inv);
      void this.attempt(inv);
    };
    if (delayMs === 0) {
      const h = setImmediate(run);
      this.waiting.set(inv, () => clearImmediate(h));
    } else {
      const h = setTimeout(run, delayMs);
      this.waiting.set(inv, () => clearTimeout(h));
    }
  }

  private async attempt(inv: AsyncInvocation): Promise<void> {
    let error: string | undefined;
    this.running.add(inv);
    try {
      await this.invokeOnce(inv);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    } finally {
      this.running.delete(inv);
    }
    if (this.abandoned.has(inv)) return;
    this.opts.onAttempt?.(inv, error === undefined, error);
    if (error === undefined) {
      this.inflight.end();
      return;
    }
    const next = this.nextAttempt(inv);
    if (next.condition !== undefined) {
      await this.fail(inv, next.condition, error);
      return;
    }
    this.opts.logger.info({ function: inv.functionName, attempt: inv.attempts, delay: next.delayMs, error }, 'lambda invocation failed; will retry');
    this.schedule(inv, next.delayMs);
  }

  /** The wait before the next attempt, or why there is none. */
  private nextAttempt(inv: AsyncInvocation): { delayMs: number; condition?: undefined } | { condition: FailureCondition } {
    const config = this.opts.target(inv.functionName)?.config;
    const retries = Math.min(config?.maximumRetryAttempts ?? this.opts.delaysMs.length, this.opts.delaysMs.length);
    const delayMs = this.opts.delaysMs[inv.attempts - 1];
    if (this.closed) return { condition: 'Shutdown' };
    if (inv.attempts > retries || delayMs === undefined) return { condition: 'RetriesExhausted' };
    const maxAgeMs = (config?.maximumEventAgeSeconds ?? Number.POSITIVE_INFINITY) * 1000;
    if (this.now() + delayMs - inv.enqueuedAt > maxAgeMs) return { condition: 'EventAgeExceeded' };
    return { delayMs };
  }

  private async fail(inv: AsyncInvocation, condition: FailureCondition, error: string): Promise<void> {
    this.opts.logger.warn({ function: inv.functionName, source: inv.source, attempts: inv.attempts, condition, error }, 'lambda invocation failed for good');
    try {
      await this.opts.destination()({ invocation: inv, condition, error });
    } catch (e) {
      this.opts.logger.error({ err: e, function: inv.functionName, source: inv.source }, 'could not hand a failed invocation to its destination');
    } finally {
      this.inflight.end();
    }
  }

  /**
   * Stops scheduling attempts; returns the invocations that were queued or waiting for
   * a retry (not delivered). Attempts already running finish on their own; a failure
   * then goes straight to the destination.
   */
  close(): AsyncInvocation[] {
    this.closed = true;
    const pending = [...this.waiting.keys()];
    for (const cancel of this.waiting.values()) cancel();
    this.waiting.clear();
    for (let i = 0; i < pending.length; i++) this.inflight.end();
    return pending;
  }

  /**
   * After close(): the invocations whose attempt is still running, handed over so the
   * caller can send them to the destination before shutting down. Their attempts may
   * still finish; the outcome is then ignored (one that did succeed also reaches the
   * destination, which is harmless for idempotent functions and loses nothing for the others).
   */
  abandonRunning(): AsyncInvocation[] {
    const invs = [...this.running];
    for (const inv of invs) {
      this.abandoned.add(inv);
      this.running.delete(inv);
      this.inflight.end();
    }
    return invs;
  }
}
