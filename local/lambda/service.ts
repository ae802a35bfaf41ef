import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { FsyncPolicy } from '../../common/fsync-policy';
import type { Logger } from '../../common/logger';
import {
  type AsyncInvocation,
  type AsyncInvokeRequest,
  AsyncQueue,
  type AsyncQueueLimits,
  type AsyncQueueStats,
  type FailureDestination,
} from './async-queue';
import { lambdaQueueMetrics } from './metrics';
import { FunctionError, LocalFunction } from './runtime';
import type { AsyncInvokeConfig, LambdaTarget, LocalFunctionSpec } from './types';

/** Lambda's defaults for asynchronous invocation (invocation-async-error-handling). */
const ASYNC_DEFAULTS: AsyncInvokeConfig = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };

/** How long close() lets running invocations finish. */
const CLOSE_GRACE_MS = 5000;

export interface LambdaServiceOptions {
  /** the service's state; the asynchronous event queue lives in `{dataDir}/lambda/queue/` */
  dataDir: string;
  /** functions that run in execution environments of their own (functions/registry.ts, handed in by cli/) */
  functions?: readonly LocalFunctionSpec[];
  /** in-process handlers by name (tests and benches) */
  handlers?: ReadonlyMap<string, LambdaTarget>;
  /** what every function's environment gets from the platform: AWS_ENDPOINT_URL, AWS_REGION, credentials, LOG_LEVEL */
  platformEnvironment?: Readonly<Record<string, string>>;
  /** waits before the async retries (default 1 s, 2 s; Lambda's are 1 and 2 minutes) */
  retryDelaysMs?: readonly number[];
  /** the queue's bounds: bytes on disk, bytes of events in memory, attempts per function at once */
  queueLimits?: Partial<AsyncQueueLimits>;
  /** when a queued event counts as handed over (default: after fsync) */
  queueFsync?: FsyncPolicy;
  /** false: events in memory only, lost on a crash (a benchmark baseline). Default true. */
  queueDurable?: boolean;
  logger: Logger;
  now?: () => number;
}

/**
 * The local Lambda service: the functions by name, each in execution environments of
 * its own ({@link LocalFunction}), and the durable asynchronous invocation queue with
 * Lambda's retry policy, maximum event age and an on-failure destination.
 *
 * @example
 * const lambda = new LambdaService({ dataDir, functions: FUNCTIONS, platformEnvironment: { AWS_ENDPOINT_URL: gateway.url, ... }, logger });
 * lambda.setFailureDestination(async (f) => deadLetter(f));
 * lambda.start();
 * await lambda.invokeAsync({ functionName: 'pulsepet-ingest', functionArn, eventJson, source: 'ingest_telemetry', origin: {} });
 */
export class LambdaService {
  private readonly targets = new Map<string, { target: LambdaTarget; config: AsyncInvokeConfig }>();
  private readonly local = new Map<string, LocalFunction>();
  private readonly queue: AsyncQueue;
  private destination: FailureDestination;
  private readonly log: Logger;
  private closing: Promise<void> | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private loggedThrottled = 0;
  private attemptListener: ((inv: AsyncInvocation, ok: boolean, error?: string) => void) | undefined;

  constructor(opts: LambdaServiceOptions) {
    this.log = opts.logger.child({ component: 'lambda' });
    this.destination = async (f) => {
      throw new Error(`no failure destination is configured for ${f.invocation.functionName}`);
    };
    this.queue = new AsyncQueue({
      dir: join(opts.dataDir, 'lambda', 'queue'),
      ...(opts.queueFsync ? { fsync: opts.queueFsync } : {}),
      ...(opts.queueDurable === false ? { durable: false } : {}),
      ...(opts.queueLimits ? { limits: opts.queueLimits } : {}),
      ...(opts.retryDelaysMs ? { delaysMs: opts.retryDelaysMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
      logger: this.log,
      target: (name) => this.targets.get(name),
      onAttempt: (inv, ok, error) => this.attemptListener?.(inv, ok, error),
      destination: () => this.destination,
    });
    for (const spec of opts.functions ?? []) this.deploy(spec, opts.platformEnvironment ?? {}, opts.logger);
    for (const [name, target] of opts.handlers ?? []) this.register(name, target);
  }

  /** The functions running in execution environments, by name (benches read their thread ids). */
  get functions(): ReadonlyMap<string, LocalFunction> {
    return this.local;
  }

  /** Depth, age, bytes and counters of the asynchronous event queue. */
  queueStats(): AsyncQueueStats {
    return this.queue.stats();
  }

  /** The queue's figures in Prometheus text format (for the gateway's GET /metrics). */
  metrics(): string {
    return lambdaQueueMetrics(this.queue.stats());
  }

  /** Registers (or replaces) a function under a name. */
  register(name: string, target: LambdaTarget, config: AsyncInvokeConfig = ASYNC_DEFAULTS): void {
    this.targets.set(name, { target, config });
  }

  has(name: string): boolean {
    return this.targets.has(name);
  }

  /** Where invocations go that failed every attempt or outlived their maximum age. */
  setFailureDestination(d: FailureDestination): void {
    this.destination = d;
  }

  /** Called after every attempt (the rules runtime turns it into its `lambda-attempt` event). */
  onAttempt(listener: (inv: AsyncInvocation, ok: boolean, error?: string) => void): void {
    this.attemptListener = listener;
  }

  /**
   * Starts running queued events, those replayed from before a restart first. Call once
   * wiring is done. While events are queued, their depth and age are logged every
   * `statsLogMs` (default 10 s).
   */
  start(statsLogMs = 10_000): void {
    this.queue.start();
    this.statsTimer ??= setInterval(() => {
      const s = this.queue.stats();
      if (s.depth > 0 || s.throttled > this.loggedThrottled) {
        this.log.info({ depth: s.depth, running: s.running, oldestAgeMs: s.oldestAgeMs, diskBytes: s.diskBytes, memoryBytes: s.memoryBytes, throttled: s.throttled }, 'lambda async queue');
      }
      this.loggedThrottled = s.throttled;
    }, statsLogMs).unref();
  }

  /**
   * Queues an asynchronous invocation; resolves once the event is durable (Lambda's 202).
   * Rejects with a `TooManyRequestsException` (LambdaThrottledError) when the queue is full.
   */
  invokeAsync(req: AsyncInvokeRequest): Promise<AsyncInvocation> {
    return this.queue.enqueue(req);
  }

  /**
   * Invokes a function synchronously (Lambda's `RequestResponse`): resolves with what it
   * returned, rejects with its error (a {@link FunctionError} for a local function). An
   * unknown name rejects with `ResourceNotFoundException`, as Lambda answers.
   */
  invoke(functionName: string, event: unknown, caller: { functionArn: string; source: string }): Promise<unknown> {
    const entry = this.targets.get(functionName);
    if (!entry) return Promise.reject(new FunctionError('ResourceNotFoundException', `Function not found: ${caller.functionArn}`));
    const context = { functionName, invokedFunctionArn: caller.functionArn, awsRequestId: randomUUID(), attempt: 1, ruleName: caller.source };
    if (typeof entry.target === 'function') return entry.target(event, context);
    return entry.target.invokeJson(JSON.stringify(event) ?? 'null', context);
  }

  /** Runs one attempt now, outside the queue (dead-letter replay). */
  invokeOnce(inv: AsyncInvocation): Promise<void> {
    return this.queue.invoke(inv);
  }

  /** Resolves when nothing is queued, retrying or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * Stops the queue (running invocations get `graceMs` to finish; events not done stay
   * queued on disk for the next start), then every execution environment.
   */
  close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.statsTimer);
      await this.queue.close(graceMs);
      await Promise.all([...this.local.values()].map((fn) => fn.close(0)));
    })();
    return this.closing;
  }

  private deploy(spec: LocalFunctionSpec, platform: Readonly<Record<string, string>>, logger: Logger): void {
    const fn = new LocalFunction({
      name: spec.name,
      module: spec.module,
      ...(spec.handler ? { handler: spec.handler } : {}),
      environment: { ...platform, ...spec.environment },
      ...(spec.timeoutSeconds ? { timeoutMs: spec.timeoutSeconds * 1000 } : {}),
      ...(spec.memoryMb ? { memoryMb: spec.memoryMb } : {}),
      logger,
    });
    this.local.set(spec.name, fn);
    this.register(spec.name, fn, spec.asyncInvoke ?? ASYNC_DEFAULTS);
  }
}
