/**
 * Every batch of a run by (thing, batchId): when it was first published, how often it
 * was published and acknowledged, and the samples it carries (their timestamps and
 * count). Duplicates and losses are counted from it, and the store check compares it
 * with what Timestream holds.
 *
 * A run keeps every batch until its end, so an entry is kept small: a batch's sample
 * times, evenly spaced as a device samples them, are kept as the first, the step and
 * the count, and any other batch keeps its times as they are (`npx tsx
 * bench/fleet-ledger.ts`: about 0.3 KB of RSS a batch instead of 1.25 KB, so an hour of
 * 10,000 devices at 30-second batches keeps about 340 MiB instead of 1.4 GiB).
 */
export interface BatchEntry {
  readonly thing: string;
  readonly batchId: string;
  readonly seq: number;
  /** its first sample's timestamp (scenario epoch ms) */
  readonly first: number;
  /** ms between consecutive samples when they are evenly spaced, else NaN (see `uneven`) */
  readonly step: number;
  /** samples it carries (at least one) */
  readonly count: number;
  /** the timestamps of a batch whose samples are not evenly spaced, oldest first */
  readonly uneven?: Float64Array;
  /** PUBLISH packets sent for it (more than one: resent after a reconnect) */
  publishes: number;
  /** PUBACKs received for it */
  acks: number;
}

/** A batch's sample timestamps, oldest first. */
export function sampleTimes(e: BatchEntry): Float64Array {
  if (e.uneven !== undefined) return e.uneven;
  const out = new Float64Array(e.count);
  for (let i = 0; i < e.count; i++) out[i] = e.first + i * e.step;
  return out;
}

/** A batch's last sample timestamp. */
export function lastSampleTime(e: BatchEntry): number {
  return e.uneven !== undefined ? (e.uneven[e.count - 1] as number) : e.first + (e.count - 1) * e.step;
}

/** The sum of a batch's sample timestamps less `base`, without listing them for an evenly spaced batch. */
export function sampleTimeSum(e: BatchEntry, base: number): number {
  if (e.uneven === undefined) return e.count * (e.first - base) + (e.step * e.count * (e.count - 1)) / 2;
  let sum = 0;
  for (const x of e.uneven) sum += x - base;
  return sum;
}

/** The step when `times` are evenly spaced (0 for a single sample), else NaN. */
function evenStep(times: ArrayLike<number>): number {
  if (times.length < 2) return 0;
  const first = times[0] as number;
  const step = (times[1] as number) - first;
  for (let i = 2; i < times.length; i++) if (times[i] !== first + i * step) return Number.NaN;
  return step;
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

  /** Records a batch about to be published; `times` are its samples' timestamps, oldest first. */
  add(e: { thing: string; batchId: string; seq: number; times: ArrayLike<number> }): BatchEntry {
    const count = e.times.length;
    if (count === 0) throw new RangeError('a batch carries at least one sample');
    const step = evenStep(e.times);
    const { thing, batchId, seq } = e;
    const first = e.times[0] as number;
    // one literal per shape (no spread): V8 then keeps the fields in the object itself
    const entry: BatchEntry = Number.isNaN(step)
      ? { thing, batchId, seq, first, step, count, uneven: Float64Array.from(e.times), publishes: 0, acks: 0 }
      : { thing, batchId, seq, first, step, count, publishes: 0, acks: 0 };
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
        t.samplesSent += e.count;
        if (e.publishes > 1) t.resent++;
        if (e.acks > 0) {
          t.acked++;
          t.samplesAcked += e.count;
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
        from = Math.min(from, b.first);
        to = Math.max(to, lastSampleTime(b));
        samples += b.count;
      }
      out.push({ thing, batches, samples, from, to, unacked });
    }
    return out;
  }
}
