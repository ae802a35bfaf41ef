import { mkdirSync } from 'node:fs';
import { ulid } from 'ulid';
import type { Logger } from '../common/logger';
import { PulsepetError } from '../protocol/errors';
import { type BatchRecord, buildTelemetryBatch, MAX_PAYLOAD_BYTES, type TelemetryV1 } from '../protocol/telemetry';
import { entryBytes, LiveEntries } from './outbox-entries';
import { type BatchAssignment, OutboxMeta } from './outbox-meta';
import { type FsyncPolicy, SegmentLog } from './segment-log';

export type { BatchAssignment } from './outbox-meta';
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

export interface OutboxStats {
  depth: number;
  bytes: number;
  unassigned: number;
  pendingBatches: number;
  droppedTotal: number;
  nextSeq: number;
}

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
  private readonly meta: OutboxMeta;
  private readonly segments: SegmentLog;
  /** serialized records of the unacknowledged entries */
  private readonly live: LiveEntries;
  /** index of the next appended entry */
  private nextIndex: number;
  /** entries below this index are written (visible to batching) */
  private committedIndex: number;
  private nextUnassigned: number;
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
    this.meta = OutboxMeta.open(opts.dir, this.log);
    const head = this.meta.head();
    this.droppedTotal = this.meta.dropped();
    this.live = new LiveEntries(head);
    this.segments = new SegmentLog(opts.dir, this.fsyncPolicy, opts.segmentBytes ?? 4 * 1024 * 1024, this.log);
    this.nextIndex = this.segments.load(head, (body) => this.live.push(body, 0));
    this.committedIndex = this.nextIndex;
    this.batches = this.meta.recoverBatches(head, this.nextIndex);
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
    return this.nextIndex - this.live.base;
  }

  /** Index of the oldest unacknowledged entry (everything below it has left). */
  headIndex(): number {
    return this.live.base;
  }

  /** Index the next appended entry will get. */
  endIndex(): number {
    return this.nextIndex;
  }

  stats(): OutboxStats {
    return {
      depth: this.depth,
      bytes: this.live.bytes,
      unassigned: this.committedIndex - this.nextUnassigned,
      pendingBatches: this.batches.length,
      droppedTotal: this.droppedTotal,
      nextSeq: this.meta.nextSeq(),
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
    const size = entryBytes(line);
    if (this.wouldOverflow(size)) {
      if (this.policy === 'reject-new') {
        return Promise.reject(
          new PulsepetError('PP_ERR_OUTBOX_FULL', `outbox full (${this.depth} entries, ${this.live.bytes} bytes)`, {
            details: { policy: this.policy },
          }),
        );
      }
      this.dropOldest(size);
    }
    const index = this.nextIndex++;
    this.live.push(line, Date.now());
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
    return this.live.arrivedAt(this.nextUnassigned);
  }

  /** Bytes of committed entries not yet in a batch. */
  unassignedBytes(limit = Number.POSITIVE_INFINITY): number {
    let bytes = 0;
    for (let i = this.nextUnassigned; i < this.committedIndex && bytes < limit; i++) {
      bytes += entryBytes(this.live.line(i));
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
    let bytes = entryBytes(this.live.line(first));
    while (last + 1 < this.committedIndex && last + 1 - first + 1 <= limits.maxSamples) {
      const next = entryBytes(this.live.line(last + 1));
      if (bytes + next > maxBytes) break;
      bytes += next;
      last++;
    }
    const seq = this.meta.nextSeq();
    const batch: BatchAssignment = { batchId: ulid(), seq, first, last };
    this.nextUnassigned = last + 1;
    this.batches.push(batch);
    // nextSeq goes first: if only it reaches the disk, the batch was never published
    // and its samples are simply batched again (a harmless gap in seq).
    const a = this.meta.setNextSeq(seq + 1);
    const b = this.meta.putBatch(batch);
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
    for (let i = batch.first; i <= batch.last; i++) records.push(JSON.parse(this.live.line(i)) as OutboxRecord);
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
    let head = this.live.base;
    while (this.batches.length > 0 && this.acked.has(this.batches[0]!.seq)) {
      const b = this.batches.shift()!;
      this.acked.delete(b.seq);
      head = b.last + 1;
      done.push(b.seq);
    }
    if (head === this.live.base) return;
    this.advanceBase(head);
    // The cursor goes first: a batch key without its cursor move would let its samples
    // be re-batched under a new batchId, a duplicate the cloud could not recognise.
    const writes = [this.meta.setHead(head), ...done.map((q) => this.meta.deleteBatch(q))];
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

  private wouldOverflow(size: number): boolean {
    return this.live.bytes + size > this.maxBytes || this.depth + 1 > this.maxEntries;
  }

  private dropOldest(size: number): void {
    let dropped = 0;
    const droppedBatches: number[] = [];
    while (this.depth > 0 && this.wouldOverflow(size)) {
      // Drop whole batches so a batchId never goes out with a subset of its samples.
      const oldest = this.batches[0];
      let head: number;
      if (oldest !== undefined && oldest.first === this.live.base) {
        this.batches.shift();
        this.acked.delete(oldest.seq);
        droppedBatches.push(oldest.seq);
        head = oldest.last + 1;
      } else {
        head = this.live.base + 1;
        if (this.nextUnassigned < head) this.nextUnassigned = head;
      }
      dropped += head - this.live.base;
      this.advanceBase(head);
    }
    if (dropped === 0) return;
    this.droppedTotal += dropped;
    const head = this.live.base;
    this.meta.background(this.meta.setHead(head).then(() => this.segments.deleteBelow(head)));
    this.meta.background(this.meta.setDropped(this.droppedTotal));
    for (const q of droppedBatches) this.meta.background(this.meta.deleteBatch(q));
    this.log.warn({ dropped, droppedTotal: this.droppedTotal, policy: this.policy }, 'outbox full: dropped oldest samples');
    this.onDrop?.(dropped);
  }

  private advanceBase(head: number): void {
    this.live.dropBelow(head);
    if (this.nextUnassigned < head) this.nextUnassigned = head;
    if (this.committedIndex < head) this.committedIndex = head;
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
}
