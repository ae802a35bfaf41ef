import { Worker } from 'node:worker_threads';
import type { Logger } from '../../common/logger';
import type { JsonLambdaTarget, LambdaContext } from './types';
import type { InvokeMessage, WorkerData, WorkerReply } from './protocol';

/**
 * The local Lambda service's execution environments: each function runs in worker
 * threads of its own, loaded from its module with only the environment variables it is
 * configured with (as a Lambda function sees only its configuration's variables and the
 * runtime's). Function code therefore reaches the stack the way it reaches AWS: through
 * the real SDK clients over HTTP, never through objects shared with the stack — and its
 * CPU (SDK serialization, validation) runs on a core of its own instead of the broker's
 * event loop.
 *
 * Lambda behaviour kept (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html):
 * - init once per environment, on the first invocation (a cold start), reused afterwards;
 * - events and results are JSON; a thrown error is reported as `{errorType, errorMessage}`;
 * - a function timeout fails the invocation with "Task timed out after N.NN seconds";
 * - memory is bounded (the worker's heap limit); an environment that dies — out of memory,
 *   an uncaught exception, a failed init — fails its in-flight invocations and the next
 *   invocation starts a fresh one.
 */

export interface LocalFunctionOptions {
  /** function name, for logs and errors */
  name: string;
  /** the module that exports the handler: a file:// URL (TypeScript is fine) */
  module: URL;
  /** exported handler name (default `handler`) */
  handler?: string;
  /** the function's environment variables; nothing else of the stack's process.env is visible */
  environment: Record<string, string>;
  /** Lambda's function timeout (default 60 s) */
  timeoutMs?: number;
  /** Lambda's memory setting, applied as the worker's old-generation heap limit (default 1024 MB) */
  memoryMb?: number;
  /** concurrent execution environments (default 1); each runs many invocations at once */
  instances?: number;
  logger: Logger;
}

/** A failed invocation, with Lambda's error type (the function's error `code`/`name`, or `Runtime.*`). */
export class FunctionError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = 'FunctionError';
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  /** the function timeout; armed once the environment has initialized (init is not billed to it) */
  timeoutMs: number;
  timer?: NodeJS.Timeout;
}

/**
 * Lambda limits the init phase separately from the function timeout (10 s on AWS); locally
 * loading TypeScript and the SDK on a busy CI machine can take longer, so the bound is looser.
 */
const INIT_TIMEOUT_MS = 30_000;

class Environment {
  readonly pending = new Map<number, Pending>();
  private dead = false;
  private ready = false;
  private readonly initTimer: NodeJS.Timeout;
  /** the worker's Linux thread id once it has initialized */
  osThreadId: number | undefined;
  private exitError: FunctionError | undefined;

  constructor(
    readonly worker: Worker,
    private readonly onGone: (env: Environment) => void,
    log: Logger,
  ) {
    worker.unref();
    this.initTimer = setTimeout(() => {
      this.exitError = new FunctionError('Sandbox.Timedout', `Init timed out after ${(INIT_TIMEOUT_MS / 1000).toFixed(2)} seconds`);
      void worker.terminate();
    }, INIT_TIMEOUT_MS).unref();
    worker.on('message', (m: WorkerReply) => {
      if (m.kind === 'ready') {
        clearTimeout(this.initTimer);
        this.ready = true;
        this.osThreadId = m.osThreadId;
        log.debug('execution environment initialized');
        for (const [id, p] of this.pending) this.arm(id, p);
      } else if (m.kind === 'init-error') {
        log.error({ errorType: m.errorType }, m.errorMessage);
        this.exitError = new FunctionError(m.errorType, m.errorMessage);
        void worker.terminate();
      } else this.settle(m);
    });
    worker.on('error', (e) => {
      log.error({ err: e }, 'execution environment crashed');
      const code = (e as { code?: unknown }).code;
      this.exitError ??= new FunctionError(
        code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'Runtime.OutOfMemory' : 'Runtime.ExitError',
        `The execution environment failed: ${e.message}`,
      );
    });
    worker.on('exit', (code) => {
      this.dead = true;
      clearTimeout(this.initTimer);
      const err = this.exitError ?? new FunctionError('Runtime.ExitError', `The execution environment exited with code ${code}.`);
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(err);
      }
      this.pending.clear();
      this.onGone(this);
    });
  }

  get alive(): boolean {
    return !this.dead;
  }

  send(msg: InvokeMessage, p: Pending): void {
    if (this.pending.size === 0) this.worker.ref();
    this.pending.set(msg.id, p);
    this.worker.postMessage(msg);
    if (this.ready) this.arm(msg.id, p);
  }

  /** Starts an invocation's function timeout; on expiry it fails and its late reply is ignored. */
  private arm(id: number, p: Pending): void {
    if (p.timer !== undefined) return;
    p.timer = setTimeout(() => {
      this.drop(id);
      p.reject(new FunctionError('Sandbox.Timedout', `Task timed out after ${(p.timeoutMs / 1000).toFixed(2)} seconds`));
    }, p.timeoutMs);
  }

  private drop(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0 && !this.dead) this.worker.unref();
  }

  private settle(m: Extract<WorkerReply, { kind: 'result' }>): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.drop(m.id);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(JSON.parse(m.payload));
    else p.reject(new FunctionError(m.errorType, m.errorMessage));
  }
}

/**
 * One local Lambda function; the object itself is what the Lambda service registers
 * (its async queue hands over the queued JSON text as is).
 * @example
 * const fn = new LocalFunction({ name: spec.name, module: spec.module,
 *   environment: { AWS_ENDPOINT_URL: gateway.url, AWS_REGION: region, ...spec.environment }, logger });
 * lambdaService.register(fn.name, fn);
 */
export class LocalFunction implements JsonLambdaTarget {
  readonly name: string;
  private readonly envs: Environment[] = [];
  private readonly log: Logger;
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: LocalFunctionOptions) {
    this.name = opts.name;
    this.log = opts.logger.child({ component: 'lambda', function: opts.name });
  }

  /** Invocations running now, across environments. */
  get inFlight(): number {
    return this.envs.reduce((n, e) => n + e.pending.size, 0);
  }

  /** Linux thread ids of the initialized environments (benchmarks read their CPU time from /proc). */
  get osThreadIds(): number[] {
    return this.envs.flatMap((e) => (e.alive && e.osThreadId !== undefined ? [e.osThreadId] : []));
  }

  /** Runs one invocation; rejects with FunctionError when the function fails, times out or its environment dies. */
  invoke(event: unknown, context: LambdaContext): Promise<unknown> {
    let text: string;
    try {
      text = JSON.stringify(event) ?? 'null';
    } catch (e) {
      return Promise.reject(new FunctionError('InvalidRequestContentException', `The event is not JSON: ${String(e)}`));
    }
    return this.invokeJson(text, context);
  }

  /** Runs one invocation of an event given as JSON text (what the rules runtime queues). */
  invokeJson(text: string, context: LambdaContext): Promise<unknown> {
    if (this.closed) return Promise.reject(new FunctionError('Runtime.Closed', `Function ${this.name} is shut down.`));
    const env = this.pick();
    const id = this.nextId++;
    const timeoutMs = this.opts.timeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      env.send({ id, event: text, context: { ...context }, timeoutMs }, { resolve, reject, timeoutMs });
    });
  }

  /** Waits up to `graceMs` for running invocations, then stops every environment. */
  async close(graceMs = 5000): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + graceMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await Promise.all(this.envs.map((e) => e.worker.terminate()));
    this.envs.length = 0;
  }

  /** The least busy live environment; a new one (cold start) while fewer than `instances` exist. */
  private pick(): Environment {
    let best: Environment | undefined;
    for (const e of this.envs) if (e.alive && (best === undefined || e.pending.size < best.pending.size)) best = e;
    if (best !== undefined && (best.pending.size === 0 || this.envs.length >= (this.opts.instances ?? 1))) return best;
    return this.spawn();
  }

  private spawn(): Environment {
    const data: WorkerData = { module: this.opts.module.href, handler: this.opts.handler ?? 'handler' };
    const worker = new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), {
      workerData: data,
      env: { ...this.opts.environment, AWS_LAMBDA_FUNCTION_NAME: this.opts.name },
      resourceLimits: { maxOldGenerationSizeMb: this.opts.memoryMb ?? 1024, maxYoungGenerationSizeMb: 64 },
      name: `lambda:${this.opts.name}`,
    });
    this.log.debug({ threadId: worker.threadId }, 'starting an execution environment (cold start)');
    const env = new Environment(
      worker,
      (gone) => {
        const i = this.envs.indexOf(gone);
        if (i >= 0) this.envs.splice(i, 1);
      },
      this.log,
    );
    this.envs.push(env);
    return env;
  }
}
