import { mkdirSync } from 'node:fs';
import { ulid } from 'ulid';
import { DurableMap } from '../common/journal';
import type { Logger } from '../common/logger';
import { PulsepetError } from '../protocol/errors';
import { type BatchRecord, buildTelemetryBatch, MAX_PAYLOAD_BYTES, type TelemetryV1 } from '../protocol/telemetry';
import { type FsyncPolicy, SegmentLog } from './segment-log';

export type { FsyncPolicy } from './segment-log';

/** What one outbox entry holds: the compact batch record of protocol/telemetry. */
export type OutboxRecord = BatchRecord;

/** What to do when the outbox is full — the two policies Greengrass stream manager offers. */
export type FullPolicy = 'drop-oldest' | 'reject-new';

export interface OutboxOptions {
  dir: string;
  logger: Logger;
  fsync?: FsyncPolicy;
  /** bound on the bytes of unacknowledged entries (default 32 MiB) */
  maxBytes?: number;
  /** bound on the number of unacknowledged entries (default 1,000,000) */
  maxEntries?: number;
  policy?: FullPolicy;
  /** segment file size before rotation (default 4 MiB) */
  segmentBytes?: number;
}

/** A batch: a contiguous range of outbox entries with a stable id and sequence number. */
export interface BatchAssignment {
  batchId: string;
  seq: number;
  first: number;
  last: number;
}

export interface OutboxStats {
  depth: number;
  bytes: number;
  unassigned: number;
  pendingBatches: number;
  droppedTotal: number;
  nextSeq: number;
}

type Meta = number | BatchAssignment;

/** Fixed envelope overhead of a telemetry v1 message without samples/context (generous). */
const ENVELOPE_BYTES = 400;

/**
 * The durable outbox: an append-only segmented log (`seg-<first index>.jsonl`) plus a
 * small fsync'd metadata journal holding the ack cursor (`head`), the next batch
 * `seq`, and every batch assignment not yet acknowledged. A batch is assigned (and
 * made durable) before it is published, so a retransmission after a crash carries
 * the same `batchId` and `seq`; entries leave only when their batch is acknowledged.
 *
 * @example
 * const ob = Outbox.open({ dir, logger });
 * await ob.append({ s: { t: Date.now(), hr: 61 } });  // durable when it resolves
 * const b = await ob.formBatch({ maxSamples: 120, maxBytes: 32_768 });
 * if (b) { await publish(ob.message(b)); await ob.ack(b.seq); }
 */
export class Outbox {
  private readonly meta: DurableMap<Meta>;
  private readonly segments: SegmentLog;
  /** serialized records of live entries; lines[k] is entry `base + k` */
  private lines: string[] = [];
  /** arrival time (ms) of each live entry; 0 for entries recovered from disk */
  private times: number[] = [];
  private linesOffset = 0;
  private base: number;
  /** index of the next appended entry */
  private nextIndex: number;
  /** entries below this index are written (visible to batching) */
  private committedIndex: number;
  private nextUnassigned: number;
  private liveBytes = 0;
  private batches: BatchAssignment[] = [];
  private readonly acked = new Set<number>();
  private pending: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;
  private closed = false;
  private interval: NodeJS.Timeout | undefined;
  private droppedTotal: number;
  private readonly fsyncPolicy: FsyncPolicy;
  private readonly maxBytes: number;
  private readonly maxEntries: number;
  private readonly policy: FullPolicy;
  private readonly log: Logger;
  /** called with the number of entries dropped by `drop-oldest` */
  onDrop: ((count: number) => void) | undefined;

  private constructor(private readonly opts: OutboxOptions) {
    this.fsyncPolicy = opts.fsync ?? { kind: 'always' };
    this.maxBytes = opts.maxBytes ?? 32 * 1024 * 1024;
    this.maxEntries = opts.maxEntries ?? 1_000_000;
    this.policy = opts.policy ?? 'drop-oldest';
    this.log = opts.logger.child({ component: 'outbox' });
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    this.meta = DurableMap.open<Meta>(opts.dir, 'meta', { compactEvery: 2_000 });
    const head = this.metaNumber('head', 0);
    this.droppedTotal = this.metaNumber('dropped', 0);
    this.base = head;
    this.segments = new SegmentLog(opts.dir, this.fsyncPolicy, opts.segmentBytes ?? 4 * 1024 * 1024, this.log);
    this.nextIndex = this.segments.load(head, (body) => {
      this.lines.push(body);
      this.times.push(0);
      this.liveBytes += Buffer.byteLength(body, 'utf8') + 1;
    });
    this.committedIndex = this.nextIndex;
    this.loadBatches(head);
    this.segments.deleteBelow(head);
    this.nextUnassigned = this.batches.length > 0 ? this.batches[this.batches.length - 1]!.last + 1 : head;
    if (this.fsyncPolicy.kind === 'interval') {
      this.interval = setInterval(() => this.segments.syncIfDirty(), this.fsyncPolicy.ms);
      this.interval.unref();
    }
  }

  /** Opens (or creates) the outbox in `dir`, recovering from a crash if needed. */
  static open(opts: OutboxOptions): Outbox {
    return new Outbox(opts);
  }

  /** Unacknowledged entries (assigned or not). */
  get depth(): number {
    return this.nextIndex - this.base;
  }

  /** Index of the oldest unacknowledged entry (everything below it has left). */
  headIndex(): number {
    return this.base;
  }

  /** Index the next appended entry will get. */
  endIndex(): number {
    return this.nextIndex;
  }

  stats(): OutboxStats {
    return {
      depth: this.depth,
      bytes: this.liveBytes,
      unassigned: this.committedIndex - this.nextUnassigned,
      pendingBatches: this.batches.length,
      droppedTotal: this.droppedTotal,
      nextSeq: this.metaNumber('nextSeq', 0),
    };
  }

  /**
   * Appends one record. Resolves with its index once it is as durable as the fsync
   * policy promises. When full: `reject-new` rejects with PP_ERR_OUTBOX_FULL (nothing
   * is written); `drop-oldest` drops the oldest entries (whole batches) first.
   */
  append(rec: OutboxRecord): Promise<number> {
    if (this.closed) return Promise.reject(new PulsepetError('PP_ERR_STORE', 'outbox is closed'));
    const line = JSON.stringify(rec);
    const size = Buffer.byteLength(line, 'utf8') + 1;
    if (this.wouldOverflow(size)) {
      if (this.policy === 'reject-new') {
        return Promise.reject(
          new PulsepetError('PP_ERR_OUTBOX_FULL', `outbox full (${this.depth} entries, ${this.liveBytes} bytes)`, {
            details: { policy: this.policy },
          }),
        );
      }
      this.dropOldest(size);
    }
    const index = this.nextIndex++;
    this.lines.push(line);
    this.times.push(Date.now());
    this.liveBytes += size;
    this.pending.push(`${index}\t${line}`);
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.commit());
    }
    return p.then(() => index);
  }

  /** Resolves when everything appended so far is written (and fsync'd under `always`). */
  flush(): Promise<void> {
    if (!this.scheduled) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Committed entries not yet in a batch, and the age basis for time-based batching. */
  unassignedCount(): number {
    return this.committedIndex - this.nextUnassigned;
  }

  /**
   * When the oldest committed, unassigned entry arrived (0 if it was recovered from
   * disk after a restart); undefined when there is none. Drives time-based batching.
   */
  oldestUnassignedAt(): number | undefined {
    if (this.nextUnassigned >= this.committedIndex) return undefined;
    return this.times[this.linesOffset + (this.nextUnassigned - this.base)] ?? 0;
  }

  /** Bytes of committed entries not yet in a batch. */
  unassignedBytes(limit = Number.POSITIVE_INFINITY): number {
    let bytes = 0;
    for (let i = this.nextUnassigned; i < this.committedIndex && bytes < limit; i++) {
      bytes += Buffer.byteLength(this.line(i), 'utf8') + 1;
    }
    return bytes;
  }

  /** Assigned, unacknowledged batches in `seq` order (what must be (re)sent first). */
  pendingBatches(): readonly BatchAssignment[] {
    return this.batches;
  }

  /**
   * Assigns the oldest unassigned committed entries to a new batch (bounded by
   * `maxSamples` and an estimate of the payload bytes) and makes the assignment
   * durable before resolving; undefined when there is nothing to assign.
   */
  async formBatch(limits: { maxSamples: number; maxBytes: number }): Promise<BatchAssignment | undefined> {
    const first = this.nextUnassigned;
    if (first >= this.committedIndex) return undefined;
    const maxBytes = Math.min(limits.maxBytes, MAX_PAYLOAD_BYTES) - ENVELOPE_BYTES;
    let last = first;
    let bytes = Buffer.byteLength(this.line(first), 'utf8') + 1;
    while (last + 1 < this.committedIndex && last + 1 - first + 1 <= limits.maxSamples) {
      const next = Buffer.byteLength(this.line(last + 1), 'utf8') + 1;
      if (bytes + next > maxBytes) break;
      bytes += next;
      last++;
    }
    const seq = this.metaNumber('nextSeq', 0);
    const batch: BatchAssignment = { batchId: ulid(), seq, first, last };
    this.nextUnassigned = last + 1;
    this.batches.push(batch);
    // nextSeq goes first: if only it reaches the disk, the batch was never published
    // and its samples are simply batched again (a harmless gap in seq).
    const a = this.meta.set('nextSeq', seq + 1);
    const b = this.meta.set(`b:${seq}`, batch);
    await Promise.all([a, b]);
    return batch;
  }

  /** True while the batch is still owed to the cloud (not acked, not dropped). */
  isPending(seq: number): boolean {
    return this.batches.some((b) => b.seq === seq) && !this.acked.has(seq);
  }

  /** Builds the telemetry v1 message of a pending batch (context/battery = the latest in it). */
  message(batch: BatchAssignment): TelemetryV1 {
    const records: OutboxRecord[] = [];
    for (let i = batch.first; i <= batch.last; i++) records.push(JSON.parse(this.line(i)) as OutboxRecord);
    return buildTelemetryBatch(batch, records);
  }

  /**
   * Records the PUBACK of batch `seq`. Entries leave the outbox when every batch
   * before them is acknowledged too (the cursor only moves over a contiguous prefix).
   * Unknown seqs (dropped, or acked twice) are ignored.
   */
  async ack(seq: number): Promise<void> {
    if (!this.batches.some((b) => b.seq === seq)) return;
    this.acked.add(seq);
    const done: number[] = [];
    let head = this.base;
    while (this.batches.length > 0 && this.acked.has(this.batches[0]!.seq)) {
      const b = this.batches.shift()!;
      this.acked.delete(b.seq);
      head = b.last + 1;
      done.push(b.seq);
    }
    if (head === this.base) return;
    this.advanceBase(head);
    // The cursor goes first: a batch key without its cursor move would let its samples
    // be re-batched under a new batchId, a duplicate the cloud could not recognise.
    const writes = [this.meta.set('head', head), ...done.map((q) => this.meta.delete(`b:${q}`))];
    await Promise.all(writes);
    this.segments.deleteBelow(head);
  }

  /** Flushes and closes; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    if (this.interval) clearInterval(this.interval);
    this.segments.close();
    await this.meta.flush();
    this.meta.close();
  }

  /**
   * Stops at once without writing what is not yet committed — what a crash does.
   * Appends whose promise has not resolved are lost, as they would be on kill -9.
   */
  closeAbruptly(): void {
    this.closed = true;
    this.pending = [];
    this.waiters = [];
    if (this.interval) clearInterval(this.interval);
    this.segments.close(false);
    this.meta.close();
  }

  private line(i: number): string {
    const l = this.lines[this.linesOffset + (i - this.base)];
    if (l === undefined) throw new PulsepetError('PP_ERR_INTERNAL', `outbox entry ${i} is not in memory`);
    return l;
  }

  private wouldOverflow(size: number): boolean {
    return this.liveBytes + size > this.maxBytes || this.depth + 1 > this.maxEntries;
  }

  private dropOldest(size: number): void {
    let dropped = 0;
    const droppedBatches: number[] = [];
    while (this.depth > 0 && this.wouldOverflow(size)) {
      // Drop whole batches so a batchId never goes out with a subset of its samples.
      const oldest = this.batches[0];
      let head: number;
      if (oldest !== undefined && oldest.first === this.base) {
        this.batches.shift();
        this.acked.delete(oldest.seq);
        droppedBatches.push(oldest.seq);
        head = oldest.last + 1;
      } else {
        head = this.base + 1;
        if (this.nextUnassigned < head) this.nextUnassigned = head;
      }
      dropped += head - this.base;
      this.advanceBase(head);
    }
    if (dropped === 0) return;
    this.droppedTotal += dropped;
    const head = this.base;
    this.background(this.meta.set('head', head).then(() => this.segments.deleteBelow(head)));
    this.background(this.meta.set('dropped', this.droppedTotal));
    for (const q of droppedBatches) this.background(this.meta.delete(`b:${q}`));
    this.log.warn({ dropped, droppedTotal: this.droppedTotal, policy: this.policy }, 'outbox full: dropped oldest samples');
    this.onDrop?.(dropped);
  }

  private advanceBase(head: number): void {
    for (let i = this.base; i < head; i++) {
      const l = this.lines[this.linesOffset + (i - this.base)];
      if (l !== undefined) this.liveBytes -= Buffer.byteLength(l, 'utf8') + 1;
    }
    this.linesOffset += head - this.base;
    this.base = head;
    if (this.nextUnassigned < head) this.nextUnassigned = head;
    if (this.committedIndex < head) this.committedIndex = head;
    if (this.linesOffset > 4096 && this.linesOffset * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.linesOffset);
      this.times = this.times.slice(this.linesOffset);
      this.linesOffset = 0;
    }
  }

  private commit(): void {
    this.scheduled = false;
    const lines = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    if (lines.length === 0) {
      for (const w of waiters) w.resolve();
      return;
    }
    try {
      const first = Number(lines[0]!.slice(0, lines[0]!.indexOf('\t')));
      this.segments.write(first, lines);
      this.committedIndex = first + lines.length;
      for (const w of waiters) w.resolve();
    } catch (e) {
      const err = new PulsepetError('PP_ERR_STORE', `cannot write outbox in ${this.opts.dir}`, { cause: e });
      this.log.error({ err }, 'outbox write failed');
      for (const w of waiters) w.reject(err);
    }
  }

  /** Metadata writes nobody awaits still must not become unhandled rejections. */
  private background(p: Promise<void>): void {
    p.catch((err: unknown) => this.log.error({ err }, 'outbox metadata write failed'));
  }

  private metaNumber(key: string, dflt: number): number {
    const v = this.meta.get(key);
    return typeof v === 'number' ? v : dflt;
  }

  private loadBatches(head: number): void {
    const batches: BatchAssignment[] = [];
    for (const [k, v] of this.meta.entries()) {
      if (!k.startsWith('b:') || typeof v !== 'object') continue;
      if (v.first < head || v.last >= this.nextIndex) {
        // Acked before the crash (cursor moved) or beyond what reached the disk.
        this.background(this.meta.delete(k));
        continue;
      }
      batches.push(v);
    }
    batches.sort((a, b) => a.seq - b.seq);
    this.batches = batches;
    const last = batches[batches.length - 1];
    if (last !== undefined && this.metaNumber('nextSeq', 0) <= last.seq) this.background(this.meta.set('nextSeq', last.seq + 1));
  }
}
