import { DurableMap } from '../common/journal';
import type { Logger } from '../common/logger';

/** A batch: a contiguous range of outbox entries with a stable id and sequence number. */
export interface BatchAssignment {
  batchId: string;
  seq: number;
  first: number;
  last: number;
}

type Meta = number | BatchAssignment;

const batchKey = (seq: number): string => `b:${seq}`;

/**
 * The outbox's small fsync'd metadata journal (`meta.journal` + snapshot): the ack
 * cursor `head`, the next batch `seq`, the dropped count, and one `b:<seq>` key per
 * batch assignment not yet acknowledged. The outbox decides the order of writes
 * (that order is what makes a crash harmless); this module only names the keys.
 *
 * @example
 * const meta = OutboxMeta.open(dir, log);
 * await meta.putBatch({ batchId, seq: 0, first: 0, last: 9 });
 * meta.recoverBatches(meta.head(), 10); // [{ batchId, seq: 0, first: 0, last: 9 }]
 */
export class OutboxMeta {
  private constructor(
    private readonly map: DurableMap<Meta>,
    private readonly log: Logger,
  ) {}

  /** Opens (or creates) the journal `meta` in `dir`, replaying it. */
  static open(dir: string, log: Logger): OutboxMeta {
    return new OutboxMeta(DurableMap.open<Meta>(dir, 'meta', { compactEvery: 2_000 }), log);
  }

  /** Index of the oldest unacknowledged entry (0 for a new outbox). */
  head(): number {
    return this.number('head');
  }

  /** The `seq` the next batch gets. */
  nextSeq(): number {
    return this.number('nextSeq');
  }

  /** Entries dropped by `drop-oldest` since the outbox was created. */
  dropped(): number {
    return this.number('dropped');
  }

  setHead(head: number): Promise<void> {
    return this.map.set('head', head);
  }

  setNextSeq(seq: number): Promise<void> {
    return this.map.set('nextSeq', seq);
  }

  setDropped(total: number): Promise<void> {
    return this.map.set('dropped', total);
  }

  putBatch(batch: BatchAssignment): Promise<void> {
    return this.map.set(batchKey(batch.seq), batch);
  }

  deleteBatch(seq: number): Promise<void> {
    return this.map.delete(batchKey(seq));
  }

  /**
   * The batch assignments still owed after a restart, in `seq` order: those inside
   * `[head, end)`. Others were acked before the crash (the cursor moved) or reach
   * beyond what reached the disk; their keys are deleted. Repairs `nextSeq` if it
   * lags behind a recovered batch.
   */
  recoverBatches(head: number, end: number): BatchAssignment[] {
    const batches: BatchAssignment[] = [];
    for (const [k, v] of this.map.entries()) {
      if (!k.startsWith('b:') || typeof v !== 'object') continue;
      if (v.first < head || v.last >= end) {
        this.background(this.map.delete(k));
        continue;
      }
      batches.push(v);
    }
    batches.sort((a, b) => a.seq - b.seq);
    const last = batches[batches.length - 1];
    if (last !== undefined && this.nextSeq() <= last.seq) this.background(this.setNextSeq(last.seq + 1));
    return batches;
  }

  /** Metadata writes nobody awaits still must not become unhandled rejections. */
  background(p: Promise<void>): void {
    p.catch((err: unknown) => this.log.error({ err }, 'outbox metadata write failed'));
  }

  flush(): Promise<void> {
    return this.map.flush();
  }

  close(): void {
    this.map.close();
  }

  private number(key: string): number {
    const v = this.map.get(key);
    return typeof v === 'number' ? v : 0;
  }
}
