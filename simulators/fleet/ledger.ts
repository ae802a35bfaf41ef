/**
 * Every batch of a run by (thing, batchId): when it was first published, how often it
 * was published and acknowledged, and the samples it carries (their first and last
 * timestamps and count). Duplicates and losses are counted from it, and the store check
 * compares it with what Timestream holds.
 */
export interface BatchEntry {
  thing: string;
  batchId: string;
  seq: number;
  /** its samples' timestamps (scenario epoch ms), oldest first */
  times: Float64Array;
  /** PUBLISH packets sent for it (more than one: resent after a reconnect) */
  publishes: number;
  /** PUBACKs received for it */
  acks: number;
}

/** What the ledger says about one thing's acknowledged batches. */
export interface ThingAcked {
  thing: string;
  batches: BatchEntry[];
  samples: number;
  from: number;
  to: number;
  /** batches published but never acknowledged (they may or may not have arrived) */
  unacked: BatchEntry[];
}

export class BatchLedger {
  private readonly byThing = new Map<string, BatchEntry[]>();

  add(e: Omit<BatchEntry, 'publishes' | 'acks'>): BatchEntry {
    if (e.times.length === 0) throw new RangeError('a batch carries at least one sample');
    const entry: BatchEntry = { ...e, publishes: 0, acks: 0 };
    let list = this.byThing.get(e.thing);
    if (list === undefined) {
      list = [];
      this.byThing.set(e.thing, list);
    }
    list.push(entry);
    return entry;
  }

  /** Totals over every batch; `batches` and `samplesSent` count those published at least once. */
  totals(): { batches: number; neverPublished: number; acked: number; resent: number; duplicates: number; duplicateAcks: number; unacked: number; samplesSent: number; samplesAcked: number } {
    const t = { batches: 0, neverPublished: 0, acked: 0, resent: 0, duplicates: 0, duplicateAcks: 0, unacked: 0, samplesSent: 0, samplesAcked: 0 };
    for (const list of this.byThing.values()) {
      for (const e of list) {
        if (e.publishes === 0) {
          t.neverPublished++;
          continue;
        }
        t.batches++;
        t.samplesSent += e.times.length;
        if (e.publishes > 1) t.resent++;
        if (e.acks > 0) {
          t.acked++;
          t.samplesAcked += e.times.length;
          // acknowledged after more than one PUBLISH: the broker may have taken it twice
          if (e.publishes > 1) t.duplicates++;
          if (e.acks > 1) t.duplicateAcks++;
        } else t.unacked++;
      }
    }
    return t;
  }

  /** Per thing: the acknowledged batches and the ones sent without an acknowledgement. */
  acked(): ThingAcked[] {
    const out: ThingAcked[] = [];
    for (const [thing, list] of this.byThing) {
      const batches = list.filter((e) => e.acks > 0);
      const unacked = list.filter((e) => e.acks === 0 && e.publishes > 0);
      if (batches.length === 0 && unacked.length === 0) continue;
      let from = Number.POSITIVE_INFINITY;
      let to = Number.NEGATIVE_INFINITY;
      let samples = 0;
      for (const b of batches) {
        from = Math.min(from, b.times[0] ?? from);
        to = Math.max(to, b.times[b.times.length - 1] ?? to);
        samples += b.times.length;
      }
      out.push({ thing, batches, samples, from, to, unacked });
    }
    return out;
  }
}
