import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EphemeralRecordLog, type RecordStore } from '../../common/ephemeral-record-log';
import type { FsyncPolicy } from '../../common/fsync-policy';
import { RecordLog, RecordLogFullError, type RecordRef, type ReplayedRecord } from '../../common/record-log';
import { LambdaThrottledError } from './async-queue-types';

export interface QueueLogsOptions {
  /** `{dataDir}/lambda/queue`: one log per function under `functions/{name}/` */
  dir: string;
  durable: boolean;
  fsync: FsyncPolicy;
  /** all functions' logs together */
  maxBytes: number;
  /** one function's log */
  functionMaxBytes: number;
}

/** A log and what it held when opened. */
export interface OpenedLog {
  log: RecordStore;
  records: ReplayedRecord[];
}

/** A function name as a directory name (Lambda's names are already safe: letters, digits, `-`, `_`). */
const dirName = (fn: string) => fn.replace(/[^A-Za-z0-9_-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/**
 * The asynchronous queue's record logs, one per function. A log frees disk only from its
 * oldest segment on, so in one log shared by all functions a slow function's oldest
 * waiting event held every later segment (and every other function's done events in it)
 * on disk, and the bound then refused a fast function's events too: at 10,000 devices
 * ingest, the data of record, was refused behind the reasoning function's backlog. Apart,
 * each function fills only its own log, within `functionMaxBytes`, as Lambda throttles
 * each function on its own; all logs together stay within `maxBytes`.
 *
 * A queue written by an earlier version (one log in `dir` itself) is replayed from there;
 * new events go to the functions' logs.
 */
export class QueueLogs {
  private readonly logs = new Map<string, RecordStore>();
  /** the single log of an earlier version, while it is replayed */
  private legacy: RecordStore | undefined;

  constructor(private readonly opts: QueueLogsOptions) {}

  /** Opens every log on disk (the earlier version's first) with the records each holds. */
  openAll(): OpenedLog[] {
    if (!this.opts.durable) return [];
    const opened: OpenedLog[] = [];
    if (existsSync(this.opts.dir) && readdirSync(this.opts.dir).some((f) => f.endsWith('.log'))) {
      const { log, records } = RecordLog.open(this.opts.dir, { fsync: this.opts.fsync });
      this.legacy = log;
      opened.push({ log, records });
    }
    const root = join(this.opts.dir, 'functions');
    if (existsSync(root)) {
      for (const d of readdirSync(root).sort()) {
        const { log, records } = RecordLog.open(join(root, d), { fsync: this.opts.fsync, maxBytes: this.opts.functionMaxBytes });
        this.logs.set(decodeURIComponent(d), log);
        opened.push({ log, records });
      }
    }
    return opened;
  }

  /**
   * Appends a function's event to its log; throws {@link LambdaThrottledError} when that
   * log or all of them together are full.
   */
  appendEvent(fn: string, header: Record<string, unknown>, blobs: readonly Buffer[]): { log: RecordStore; ref: RecordRef } {
    const size = blobs.reduce((n, b) => n + b.length, 0);
    const total = this.bytes;
    if (total + size > this.opts.maxBytes) {
      throw new LambdaThrottledError(`Rate Exceeded. The asynchronous event queue is full (${total} of at most ${this.opts.maxBytes} bytes on disk).`);
    }
    const log = this.of(fn);
    try {
      return { log, ref: log.append('E', header, blobs, true) };
    } catch (e) {
      if (!(e instanceof RecordLogFullError)) throw e;
      throw new LambdaThrottledError(`Rate Exceeded. The asynchronous event queue is full for ${fn} (${e.bytes} of at most ${e.maxBytes} bytes on disk).`, e);
    }
  }

  private of(fn: string): RecordStore {
    let log = this.logs.get(fn);
    if (log === undefined) {
      log = this.opts.durable
        ? RecordLog.open(join(this.opts.dir, 'functions', dirName(fn)), { fsync: this.opts.fsync, maxBytes: this.opts.functionMaxBytes }).log
        : new EphemeralRecordLog(this.opts.functionMaxBytes);
      this.logs.set(fn, log);
    }
    return log;
  }

  private *all(): Iterable<RecordStore> {
    if (this.legacy) yield this.legacy;
    yield* this.logs.values();
  }

  /** bytes on disk of all logs (checked at every enqueue) */
  get bytes(): number {
    let n = 0;
    for (const l of this.all()) n += l.bytes;
    return n;
  }

  /** fsyncs of all logs since start */
  get syncStats(): { syncs: number; totalMs: number; maxMs: number } {
    const s = { syncs: 0, totalMs: 0, maxMs: 0 };
    for (const l of this.all()) {
      s.syncs += l.syncStats.syncs;
      s.totalMs += l.syncStats.totalMs;
      s.maxMs = Math.max(s.maxMs, l.syncStats.maxMs);
    }
    return s;
  }

  async durable(): Promise<void> {
    await Promise.all(Array.from(this.all(), (l) => l.durable()));
  }

  close(): void {
    for (const l of this.all()) l.close();
  }
}
