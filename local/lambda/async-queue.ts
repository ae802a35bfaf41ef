import { randomUUID } from 'node:crypto';
import type { RecordStore } from '../../common/ephemeral-record-log';
import type { RecordRef, ReplayedRecord } from '../../common/record-log';
import {
  type AsyncInvocation,
  type AsyncInvokeRequest,
  type AsyncQueueLimits,
  type AsyncQueueOptions,
  type AsyncQueueStats,
  DEFAULT_QUEUE_LIMITS,
  DEFAULT_RETRY_DELAYS_MS,
  type FailureCondition,
  LambdaThrottledError,
} from './async-queue-types';
import { LanePriority } from './lane-priority';
import { QueueLogs } from './queue-logs';
import { QueuedEvents } from './queued-events';
import type { LambdaContext } from './types';

export * from './async-queue-types';

/**
 * Lambda's internal queue for asynchronous ("Event") invocations, kept on disk.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
 *
 * On AWS, once `Invoke` with `InvocationType: Event` answers 202 the event is Lambda's:
 * it stays queued until it succeeds, exhausts its retries, or outlives its maximum event
 * age, and then goes to the on-failure destination. Locally the same promise is kept
 * across crashes: an event is appended to its function's record log
 * (`{dataDir}/lambda/queue/functions/{name}/`, {@link QueueLogs}) and the enqueue resolves
 * only once it is durable; each attempt's outcome is appended too (`U` retry state, `D`
 * done), and on start the logs are replayed, each function's in enqueue order.
 *
 * Bounds: new events are refused past `functionMaxBytes` of one function's log or
 * `maxBytes` of all logs on disk (the caller answers as Lambda does when throttled);
 * event bodies stay in memory only within `memoryBytes` (the rest are read back from
 * disk when their attempt starts); each function runs at most `concurrency` attempts
 * at once.
 */

interface Entry {
  requestId: string;
  functionName: string;
  functionArn: string;
  source: string;
  enqueuedAt: number;
  attempts: number;
  origin: unknown;
  /** its function's log (or the log of an earlier version, replayed) */
  log: RecordStore;
  ref: RecordRef;
  /** the event, while it is within the memory window */
  event?: string;
  eventBytes: number;
  timer?: NodeJS.Timeout;
}

interface FunctionLane {
  ready: Entry[];
  head: number;
  running: number;
}

export class AsyncQueue {
  private readonly logs: QueueLogs;
  private readonly live = new QueuedEvents<Entry>();
  private readonly lanes = new Map<string, FunctionLane>();
  private readonly limits: AsyncQueueLimits;
  private readonly priority: LanePriority;
  private readonly delaysMs: readonly number[];
  private memoryUsed = 0;
  private throttled = 0;
  private readonly throttledBy = new Map<string, number>();
  private failed = 0;
  private started = false;
  /** no new attempts start (shutting down) */
  private closing = false;
  /** the log is closed: outcomes can no longer be recorded */
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private runningTotal = 0;

  constructor(private readonly opts: AsyncQueueOptions) {
    this.limits = { ...DEFAULT_QUEUE_LIMITS, ...opts.limits };
    this.delaysMs = opts.delaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.priority = new LanePriority(this.limits.priority, this.limits.concurrency);
    this.logs = new QueueLogs({
      dir: opts.dir,
      durable: opts.durable !== false,
      fsync: opts.fsync ?? { kind: 'always' },
      maxBytes: this.limits.maxBytes,
      functionMaxBytes: this.limits.functionMaxBytes ?? Math.floor(this.limits.maxBytes / 2),
    });
    for (const { log, records } of this.logs.openAll()) this.restore(log, records);
    if (this.live.size > 0) this.opts.logger.info({ depth: this.live.size }, 'lambda async queue: replaying events queued before the restart');
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Rebuilds the queue from a log: entries not done, with their attempts, in enqueue order. */
  private restore(log: RecordStore, records: readonly ReplayedRecord[]): void {
    for (const r of records) {
      const id = String(r.header.id);
      if (r.type === 'E') {
        const h = r.header;
        this.live.add({
          requestId: id,
          functionName: String(h.fn),
          functionArn: String(h.arn),
          source: String(h.src),
          enqueuedAt: Number(h.at),
          attempts: Number(h.attempts ?? 0),
          origin: h.origin,
          log,
          ref: r.ref,
          eventBytes: Number(h.eventBytes ?? 0),
        });
      } else if (r.type === 'U') {
        const e = this.live.get(id);
        if (e) e.attempts = Number(r.header.attempts);
      } else if (r.type === 'D') {
        const e = this.live.get(id);
        if (e) {
          this.live.remove(e);
          log.retire(e.ref);
        }
      }
    }
  }

  /** Starts running queued events (after the failure destination is in place). */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const e of this.live.values()) this.lane(e.functionName).ready.push(e);
    for (const name of this.lanes.keys()) this.pump(name);
  }

  /**
   * Queues an event; resolves once it is durable (Lambda's 202). Throws
   * {@link LambdaThrottledError} at once when the queue is full.
   */
  enqueue(req: AsyncInvokeRequest): Promise<AsyncInvocation> {
    if (this.closing) return Promise.reject(new LambdaThrottledError('Rate Exceeded. The local Lambda service is shutting down.'));
    const id = randomUUID();
    const at = this.now();
    const event = Buffer.from(req.eventJson);
    const header = { id, fn: req.functionName, arn: req.functionArn, src: req.source, at, origin: req.origin, eventBytes: event.length };
    let appended: { log: RecordStore; ref: RecordRef };
    try {
      appended = this.logs.appendEvent(req.functionName, header, [event, req.attachment ?? Buffer.alloc(0)]);
    } catch (e) {
      if (!(e instanceof LambdaThrottledError)) throw e;
      return Promise.reject(this.refuse(req.functionName, e));
    }
    const { log, ref } = appended;
    const entry: Entry = {
      requestId: id,
      functionName: req.functionName,
      functionArn: req.functionArn,
      source: req.source,
      enqueuedAt: at,
      attempts: 0,
      origin: req.origin,
      log,
      ref,
      eventBytes: event.length,
    };
    if (this.memoryUsed + event.length <= this.limits.memoryBytes) {
      entry.event = req.eventJson;
      this.memoryUsed += event.length;
    }
    this.live.add(entry);
    if (this.started) {
      this.lane(entry.functionName).ready.push(entry);
      this.pump(entry.functionName);
    }
    return log.durable().then(() => this.invocationOf(entry, req.eventJson));
  }

  private refuse(functionName: string, e: LambdaThrottledError): LambdaThrottledError {
    this.throttled++;
    this.throttledBy.set(functionName, (this.throttledBy.get(functionName) ?? 0) + 1);
    if (this.throttled === 1 || this.throttled % 1000 === 0) {
      this.opts.logger.warn({ ...this.statsBrief(), function: functionName, throttled: this.throttled }, 'lambda async queue full; refusing events');
    }
    return e;
  }

  private invocationOf(e: Entry, eventJson: string, attachment?: Buffer): AsyncInvocation {
    return {
      requestId: e.requestId,
      functionName: e.functionName,
      functionArn: e.functionArn,
      eventJson,
      source: e.source,
      enqueuedAt: e.enqueuedAt,
      attempts: e.attempts,
      origin: e.origin,
      ...(attachment === undefined ? {} : { attachment }),
    };
  }

  private lane(name: string): FunctionLane {
    let l = this.lanes.get(name);
    if (l === undefined) {
      l = { ready: [], head: 0, running: 0 };
      this.lanes.set(name, l);
    }
    return l;
  }

  /**
   * Starts attempts of one function's ready events, oldest first, up to its concurrency
   * (fewer while the functions that come first have a backlog, lane-priority.ts).
   */
  private pump(name: string): void {
    const lane = this.lane(name);
    const limit = this.priority.limit(name);
    while (!this.closing && lane.running < limit && lane.head < lane.ready.length) {
      const e = lane.ready[lane.head++] as Entry;
      if (lane.head > 1024 && lane.head * 2 > lane.ready.length) {
        lane.ready = lane.ready.slice(lane.head);
        lane.head = 0;
      }
      lane.running++;
      this.runningTotal++;
      void this.attempt(e)
        .catch((err: unknown) => this.opts.logger.error({ err, function: name, requestId: e.requestId }, 'lambda async queue: attempt bookkeeping failed; the event stays queued'))
        .finally(() => {
        lane.running--;
        this.runningTotal--;
        this.pump(name);
        this.checkIdle();
      });
    }
    if (this.priority.observe(name, lane.ready.length - lane.head)) for (const other of this.lanes.keys()) if (other !== name) this.pump(other);
  }

  private async attempt(e: Entry): Promise<void> {
    const config = this.opts.target(e.functionName)?.config;
    const maxAgeMs = (config?.maximumEventAgeSeconds ?? Number.POSITIVE_INFINITY) * 1000;
    if (this.now() - e.enqueuedAt > maxAgeMs) {
      await this.fail(e, 'EventAgeExceeded', `the event was older than the function's maximum event age (${config?.maximumEventAgeSeconds} s)`);
      return;
    }
    const eventJson = e.event ?? (e.log.readBlobs(e.ref)[0] as Buffer).toString('utf8');
    e.attempts++;
    const inv = this.invocationOf(e, eventJson);
    let error: string | undefined;
    try {
      await this.invoke(inv);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    if (this.closed) return; // the outcome is not recorded: the event runs again after a restart
    this.opts.onAttempt?.(inv, error === undefined, error);
    if (error === undefined) {
      this.done(e);
      return;
    }
    const delay = this.delaysMs[e.attempts - 1];
    const retries = Math.min(config?.maximumRetryAttempts ?? this.delaysMs.length, this.delaysMs.length);
    if (e.attempts > retries || delay === undefined) {
      await this.fail(e, 'RetriesExhausted', error);
      return;
    }
    if (this.now() + delay - e.enqueuedAt > maxAgeMs) {
      await this.fail(e, 'EventAgeExceeded', error);
      return;
    }
    this.opts.logger.info({ function: e.functionName, attempt: e.attempts, delay, error }, 'lambda invocation failed; will retry');
    e.log.append('U', { id: e.requestId, attempts: e.attempts });
    if (this.closing) return; // retried after the restart
    e.timer = setTimeout(() => {
      e.timer = undefined;
      this.lane(e.functionName).ready.push(e);
      this.pump(e.functionName);
    }, delay);
  }

  /** Runs one attempt outside the queue (also used for dead-letter replay). */
  async invoke(inv: AsyncInvocation): Promise<void> {
    const entry = this.opts.target(inv.functionName);
    if (entry === undefined) throw new Error(`Function not found: ${inv.functionArn}`);
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

  private async fail(e: Entry, condition: FailureCondition, error: string): Promise<void> {
    this.opts.logger.warn({ function: e.functionName, source: e.source, attempts: e.attempts, condition, error }, 'lambda invocation failed for good');
    const [event, attachment] = e.log.readBlobs(e.ref) as [Buffer, Buffer];
    try {
      await this.opts.destination()({ invocation: this.invocationOf(e, event.toString('utf8'), attachment), condition, error });
    } catch (err) {
      // Not lost: left in the log without a done record, it is handed over again after a restart.
      this.opts.logger.error({ err, function: e.functionName, requestId: e.requestId }, 'could not hand a failed invocation to its destination; kept in the queue');
      this.forget(e);
      return;
    }
    this.failed++;
    this.done(e);
  }

  private done(e: Entry): void {
    if (this.closed) return; // replayed after the restart
    e.log.append('D', { id: e.requestId });
    e.log.retire(e.ref);
    this.forget(e);
  }

  private forget(e: Entry): void {
    this.live.remove(e);
    if (e.event !== undefined) this.memoryUsed -= e.eventBytes;
    e.event = undefined;
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.live.size > 0 && !this.closing) return;
    if (this.runningTotal > 0) return;
    const w = this.idleWaiters.splice(0);
    for (const f of w) f();
  }

  /** Resolves when nothing is queued, retrying or running. */
  idle(): Promise<void> {
    if ((this.live.size === 0 || this.closing) && this.runningTotal === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private statsBrief(): { depth: number; diskBytes: number; maxBytes: number } {
    return { depth: this.live.size, diskBytes: this.logs.bytes, maxBytes: this.limits.maxBytes };
  }

  stats(): AsyncQueueStats {
    let oldest = Number.POSITIVE_INFINITY;
    const byFunction: AsyncQueueStats['byFunction'] = {};
    const fnStats = (name: string) => {
      const f = byFunction[name] ?? { depth: 0, running: 0, throttled: this.throttledBy.get(name) ?? 0 };
      byFunction[name] = f;
      return f;
    };
    for (const f of this.live.perFunction()) {
      fnStats(f.functionName).depth = f.depth;
      oldest = Math.min(oldest, f.firstEnqueuedAt);
    }
    for (const [name, lane] of this.lanes) if (lane.running > 0) fnStats(name).running = lane.running;
    for (const name of this.throttledBy.keys()) fnStats(name);
    return {
      ...this.statsBrief(),
      running: this.runningTotal,
      oldestAgeMs: this.live.size === 0 ? 0 : Math.max(0, this.now() - oldest),
      memoryBytes: this.memoryUsed,
      throttled: this.throttled,
      failed: this.failed,
      yielding: this.priority.yielding,
      yieldSpells: this.priority.yieldSpells,
      byFunction,
      fsync: this.logs.syncStats,
    };
  }

  /**
   * Stops starting attempts and waits up to `graceMs` for running ones; then closes the
   * log. Events not done stay on disk and are replayed at the next start (an attempt
   * cut short runs again: at-least-once, as on Lambda).
   */
  async close(graceMs: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const e of this.live.values()) clearTimeout(e.timer);
    const deadline = Date.now() + graceMs;
    while (this.runningTotal > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await this.logs.durable();
    this.closed = true;
    this.logs.close();
    this.checkIdle();
  }
}
