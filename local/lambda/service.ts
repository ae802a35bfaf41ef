import type { Logger } from '../../common/logger';
import { type AsyncFailure, type AsyncInvocation, AsyncInvoker, DEFAULT_RETRY_DELAYS_MS, type FailureDestination } from './async-invoker';
import { LocalFunction } from './runtime';
import type { AsyncInvokeConfig, LambdaTarget, LocalFunctionSpec } from './types';

/** Lambda's defaults for asynchronous invocation (invocation-async-error-handling). */
const ASYNC_DEFAULTS: AsyncInvokeConfig = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };

/** How long close() lets running invocations finish before handing them to the destination. */
const CLOSE_GRACE_MS = 5000;

export interface LambdaServiceOptions {
  /** functions that run in execution environments of their own (functions/registry.ts, handed in by cli/) */
  functions?: readonly LocalFunctionSpec[];
  /** in-process handlers by name (tests and benches) */
  handlers?: ReadonlyMap<string, LambdaTarget>;
  /** what every function's environment gets from the platform: AWS_ENDPOINT_URL, AWS_REGION, credentials, LOG_LEVEL */
  platformEnvironment?: Readonly<Record<string, string>>;
  /** waits before the async retries (default 1 s, 2 s; Lambda's are 1 and 2 minutes) */
  retryDelaysMs?: readonly number[];
  logger: Logger;
  now?: () => number;
}

/** What the service is asked to queue: Lambda's `Invoke` with `InvocationType: Event`. */
export interface AsyncInvokeRequest {
  functionName: string;
  functionArn: string;
  eventJson: string;
  source: string;
  origin: unknown;
}

/**
 * The local Lambda service: the functions by name, each in execution environments of
 * its own ({@link LocalFunction}), and the asynchronous invocation queue with Lambda's
 * retry policy, maximum event age and an on-failure destination.
 *
 * @example
 * const lambda = new LambdaService({ functions: FUNCTIONS, platformEnvironment: { AWS_ENDPOINT_URL: gateway.url, ... }, logger });
 * lambda.setFailureDestination(async (f) => deadLetter(f));
 * lambda.invokeAsync({ functionName: 'pulsepet-ingest', functionArn, eventJson, source: 'ingest_telemetry', origin: {} });
 */
export class LambdaService {
  private readonly targets = new Map<string, { target: LambdaTarget; config: AsyncInvokeConfig }>();
  private readonly local = new Map<string, LocalFunction>();
  private readonly invoker: AsyncInvoker;
  private destination: FailureDestination;
  private readonly log: Logger;
  private closing: Promise<AsyncFailure[]> | undefined;
  private attemptListener: ((inv: AsyncInvocation, ok: boolean, error?: string) => void) | undefined;

  constructor(opts: LambdaServiceOptions) {
    this.log = opts.logger.child({ component: 'lambda' });
    this.destination = async (f) => {
      this.log.error({ function: f.invocation.functionName, condition: f.condition, error: f.error }, 'failed invocation dropped: no destination is configured');
    };
    this.invoker = new AsyncInvoker({
      delaysMs: opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      logger: this.log,
      ...(opts.now ? { now: opts.now } : {}),
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

  /** Invocations queued, waiting for a retry, or running. */
  get queueDepth(): number {
    return this.invoker.depth;
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

  /** Queues an asynchronous invocation of a registered function. */
  invokeAsync(req: AsyncInvokeRequest): AsyncInvocation {
    return this.invoker.enqueue(req);
  }

  /** Runs one attempt now, outside the queue (dead-letter replay). */
  invokeOnce(inv: AsyncInvocation): Promise<void> {
    return this.invoker.invokeOnce(inv);
  }

  /** Resolves when nothing is queued, retrying or running. */
  idle(): Promise<void> {
    return this.invoker.idle();
  }

  /**
   * Stops the queue: invocations still waiting go to the destination as `Shutdown`;
   * running ones get `graceMs` to finish, then go there too. Then every execution
   * environment stops.
   */
  close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    this.closing ??= this.shutdown(graceMs);
    return this.closing.then(() => undefined);
  }

  private async shutdown(graceMs: number): Promise<AsyncFailure[]> {
    const failures: AsyncFailure[] = [];
    for (const invocation of this.invoker.close()) {
      failures.push({ invocation, condition: 'Shutdown', error: 'the stack stopped before Lambda retried the invocation' });
    }
    await Promise.race([this.invoker.idle(), new Promise((r) => setTimeout(r, graceMs).unref())]);
    for (const invocation of this.invoker.abandonRunning()) {
      failures.push({ invocation, condition: 'Shutdown', error: 'the Lambda service stopped while the invocation was still running' });
    }
    for (const f of failures) {
      await this.destination(f).catch((e: unknown) => this.log.error({ err: e, function: f.invocation.functionName }, 'could not hand a pending invocation to its destination'));
    }
    await Promise.all([...this.local.values()].map((fn) => fn.close(0)));
    return failures;
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
