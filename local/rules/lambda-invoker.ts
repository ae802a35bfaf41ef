import { randomUUID } from 'node:crypto';
import type { Logger } from '../../common/logger';

/** What a local Lambda handler receives besides its event (a subset of the Lambda context object). */
export interface LambdaContext {
  functionName: string;
  invokedFunctionArn: string;
  awsRequestId: string;
  /** 1 for the first attempt, 2 and 3 for Lambda's async retries */
  attempt: number;
  /** the rule whose action invoked the function */
  ruleName: string;
}

export type LambdaHandler = (event: unknown, context: LambdaContext) => Promise<unknown>;

/**
 * A function that takes its event as JSON text (a local execution environment): the
 * invoker hands it the queued text as is instead of parsing it first.
 */
export interface JsonLambdaTarget {
  invokeJson(eventJson: string, context: LambdaContext): Promise<unknown>;
}

/** What can be registered under a function name. */
export type LambdaTarget = LambdaHandler | JsonLambdaTarget;

/** Where an invocation came from, kept so a final failure can be dead-lettered and reported. */
export interface LambdaJobOrigin {
  topic: string;
  clientId?: string;
  principal?: string;
  /** the published payload; base64-encoded only if the invocation is dead-lettered */
  originalPayload: Buffer;
  action: Record<string, unknown>;
  /** true for a rule's errorAction: its failure is dead-lettered but not reported again */
  errorAction: boolean;
}

export interface LambdaJob {
  functionName: string;
  functionArn: string;
  /**
   * The event as JSON text: Lambda queues an asynchronous invocation's event as bytes,
   * so each attempt (and a replay from the dead-letter queue) gets the same event, never
   * an object another rule or attempt could have changed.
   */
  eventJson: string;
  ruleName: string;
  requestId: string;
  attempts: number;
  origin: LambdaJobOrigin;
}

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

/**
 * Invokes local Lambda handlers asynchronously ("Event" invocation type): the
 * caller gets control back at once; failures are retried on the async schedule
 * and, when every attempt failed, handed to `onFinalFailure` (the dead-letter queue).
 */
export class LambdaInvoker {
  private readonly handlers = new Map<string, LambdaTarget>();
  /** jobs waiting for their next attempt (queued, or between retries), with the timer that will run it */
  private readonly waiting = new Map<LambdaJob, () => void>();
  /** jobs whose attempt is running now */
  private readonly running = new Set<LambdaJob>();
  /** running jobs handed back at shutdown: whatever their attempt ends with is ignored */
  private readonly abandoned = new WeakSet<LambdaJob>();
  private closed = false;

  constructor(
    private readonly opts: {
      delaysMs: readonly number[];
      logger: Logger;
      inflight: Inflight;
      onAttempt?: (job: LambdaJob, ok: boolean, error?: string) => void;
      onFinalFailure: (job: LambdaJob, error: string) => Promise<void>;
    },
  ) {}

  register(name: string, handler: LambdaTarget): void {
    this.handlers.set(name, handler);
  }

  has(name: string): boolean {
    return this.handlers.has(name);
  }

  /** Queues an invocation (the rule action succeeds once it is queued, as with Lambda's async invoke). */
  enqueue(job: Omit<LambdaJob, 'requestId' | 'attempts'>): LambdaJob {
    const full: LambdaJob = { ...job, requestId: randomUUID(), attempts: 0 };
    this.opts.inflight.begin();
    this.schedule(full, 0);
    return full;
  }

  /** Runs one invocation now, without retries (dead-letter replay). */
  async invokeOnce(job: LambdaJob): Promise<void> {
    const handler = this.handlers.get(job.functionName);
    if (handler === undefined) throw new Error(`Function not found: ${job.functionArn}`);
    job.attempts++;
    const context = this.contextOf(job);
    if (typeof handler === 'function') await handler(JSON.parse(job.eventJson), context);
    else await handler.invokeJson(job.eventJson, context);
  }

  private contextOf(job: LambdaJob): LambdaContext {
    return {
      functionName: job.functionName,
      invokedFunctionArn: job.functionArn,
      awsRequestId: job.requestId,
      attempt: job.attempts,
      ruleName: job.ruleName,
    };
  }

  private schedule(job: LambdaJob, delayMs: number): void {
    const run = () => {
      this.waiting.delete(job);
      void this.attempt(job);
    };
    if (delayMs === 0) {
      const h = setImmediate(run);
      this.waiting.set(job, () => clearImmediate(h));
    } else {
      const h = setTimeout(run, delayMs);
      this.waiting.set(job, () => clearTimeout(h));
    }
  }

  private async attempt(job: LambdaJob): Promise<void> {
    let error: string | undefined;
    this.running.add(job);
    try {
      await this.invokeOnce(job);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    } finally {
      this.running.delete(job);
    }
    if (this.abandoned.has(job)) return;
    this.opts.onAttempt?.(job, error === undefined, error);
    if (error === undefined) {
      this.opts.inflight.end();
      return;
    }
    const delay = this.opts.delaysMs[job.attempts - 1];
    if (delay === undefined || this.closed) {
      this.opts.logger.warn({ function: job.functionName, rule: job.ruleName, attempts: job.attempts, error }, 'lambda invocation failed for good');
      try {
        await this.opts.onFinalFailure(job, error);
      } catch (e) {
        this.opts.logger.error({ err: e, function: job.functionName, rule: job.ruleName }, 'could not dead-letter a failed invocation');
      } finally {
        this.opts.inflight.end();
      }
      return;
    }
    this.opts.logger.info({ function: job.functionName, attempt: job.attempts, delay, error }, 'lambda invocation failed; will retry');
    this.schedule(job, delay);
  }

  /**
   * Stops scheduling attempts; returns the jobs that were queued or waiting for a
   * retry (not delivered). Attempts already running finish on their own; a failure
   * then goes straight to `onFinalFailure`.
   */
  close(): LambdaJob[] {
    this.closed = true;
    const pending = [...this.waiting.keys()];
    for (const cancel of this.waiting.values()) cancel();
    this.waiting.clear();
    for (let i = 0; i < pending.length; i++) this.opts.inflight.end();
    return pending;
  }

  /**
   * After close(): the jobs whose attempt is still running, handed over so the caller can
   * dead-letter them before shutting down. Their attempts may still finish; the outcome
   * is then ignored (a job that did succeed also sits in the dead-letter queue, which is
   * harmless for idempotent functions and loses nothing for the others).
   */
  abandonRunning(): LambdaJob[] {
    const jobs = [...this.running];
    for (const job of jobs) {
      this.abandoned.add(job);
      this.running.delete(job);
      this.opts.inflight.end();
    }
    return jobs;
  }
}
