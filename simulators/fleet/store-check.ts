/**
 * Did every acknowledged batch reach the store? Asks Timestream (the real
 * `client-timestream-query`) for each thing's `vitals` rows within the time range of its
 * acknowledged samples, until the counts match or stop growing for `settleMs` (ingest runs
 * behind the PUBACK, through the Lambda queue). Samples are de-duplicated by the store
 * itself: a record is (thing, time), and a batch written twice upserts the same records.
 *
 * A thing whose row count and sum of timestamps (relative to a base, so the sum stays
 * exact) both equal those of its acknowledged samples, and that has no unacknowledged
 * batch, is complete: rows of another run in the range would change the count or the sum.
 * Any other thing is checked sample by sample: each acknowledged batch whose every
 * timestamp is stored is there; one missing any is lost. Rows in range that belong to no
 * acknowledged batch (an unacknowledged batch that did arrive, or an earlier run at the
 * same times) are counted as `extraRows`, never as present.
 */
import { QueryCommand, type QueryCommandOutput, type TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { type BatchEntry, sampleTimeSum, sampleTimes, type ThingAcked } from './ledger';

export interface LostBatch {
  thing: string;
  batchId: string;
  samples: number;
  /** of its samples, how many the store lacks */
  missing: number;
}

export interface StoreReport {
  /** acknowledged samples found in the store */
  storedSamples: number;
  lostBatches: number;
  lostSamples: number;
  /** the first lost batches (at most 20) */
  lost: LostBatch[];
  extraRows: number;
  /** how long it waited for the store to catch up */
  settledAfterMs: number;
  /** store queries made */
  queries: number;
}

/** A thing's rows in range: how many, and the sum of their timestamps less `base` (ms). */
interface Tally {
  n: number;
  sum: number;
  base: number;
}

/** The sum of a thing's acknowledged sample times less `base`. */
function expectedSum(t: ThingAcked, base: number): number {
  let sum = 0;
  for (const b of t.batches) sum += sampleTimeSum(b, base);
  return sum;
}

/** Checks the acknowledged batches of a run against the store. */
export type StoreCheck = (acked: readonly ThingAcked[], signal?: AbortSignal) => Promise<StoreReport>;

export interface TimestreamStoreCheckOptions {
  database: string;
  table: string;
  /** give up waiting when the counts have not grown for this long (default 30 s) */
  settleMs?: number;
  pollMs?: number;
  /** things per count query (default 100) */
  chunk?: number;
}

const NO_ROWS: QueryCommandOutput = { QueryId: '', Rows: [], ColumnInfo: [], $metadata: {} };
const ms = (t: number) => `from_milliseconds(${Math.round(t)})`;
/** Timestream renders a timestamp as 'YYYY-MM-DD HH:MM:SS.nnnnnnnnn' (UTC). */
const parseTime = (s: string) => Date.parse(`${s.slice(0, 23).replace(' ', 'T')}Z`);

/**
 * One count query over a chunk of things: each thing's rows within its own time range.
 * The OR of those ranges is what is counted; the chunk's things as one IN list and the
 * span of all its ranges, ANDed in front of it, say the same thing coarsely in terms a
 * store can filter a scan by (the local store's DuckDB reads them as scan filters and
 * evaluates the OR on the chunk's rows alone: `npx tsx bench/store-check-query.ts`).
 * `base` is the chunk's earliest range start; the sums of times are taken from it.
 */
export function countSql(from: string, chunk: readonly ThingAcked[], base: number): string {
  // `base`, the earliest start of the chunk's ranges, is also where their span starts
  const hi = Math.max(...chunk.map((t) => t.to));
  const names = chunk.map((t) => `'${t.thing}'`).join(', ');
  const ranges = chunk.map((t) => `(thing = '${t.thing}' AND time BETWEEN ${ms(t.from)} AND ${ms(t.to)})`).join(' OR ');
  return (
    `SELECT thing, count(*) AS n, sum(to_milliseconds(time) - ${Math.round(base)}) AS s FROM ${from} ` +
    `WHERE measure_name = 'vitals' AND thing IN (${names}) AND time BETWEEN ${ms(base)} AND ${ms(hi)} AND (${ranges}) GROUP BY thing`
  );
}

/**
 * @example
 * const check = timestreamStoreCheck(new TimestreamQueryClient({}), { database: 'pulsepet', table: 'telemetry' });
 * const report = await check(ledger.acked());
 */
export function timestreamStoreCheck(client: TimestreamQueryClient, o: TimestreamStoreCheckOptions): StoreCheck {
  const from = `"${o.database}"."${o.table}"`;
  let queries = 0;
  const rows = async (sql: string, signal?: AbortSignal): Promise<Array<Array<string | undefined>>> => {
    const out: Array<Array<string | undefined>> = [];
    let NextToken: string | undefined;
    do {
      queries++;
      const page = await client
        .send(new QueryCommand({ QueryString: sql, ...(NextToken ? { NextToken } : {}) }), { abortSignal: signal })
        .catch((e: unknown) => {
          // a table nothing was ever written to has no `thing` column yet: no rows, every batch missing
          if (e instanceof Error && e.name === 'ValidationException' && /^Column '[^']+' does not exist in table /.test(e.message)) return NO_ROWS;
          throw e;
        });
      for (const r of page.Rows ?? []) out.push((r.Data ?? []).map((d) => (d.NullValue ? undefined : d.ScalarValue)));
      NextToken = page.NextToken;
    } while (NextToken);
    return out;
  };
  const counts = async (things: readonly ThingAcked[], signal?: AbortSignal): Promise<Map<string, Tally>> => {
    const n = new Map<string, Tally>();
    for (let i = 0; i < things.length; i += o.chunk ?? 100) {
      const chunk = things.slice(i, i + (o.chunk ?? 100));
      const base = Math.min(...chunk.map((t) => t.from));
      for (const [thing, c, sum] of await rows(countSql(from, chunk, base), signal)) if (thing !== undefined) n.set(thing, { n: Number(c), sum: Number(sum ?? 0), base });
    }
    return n;
  };
  const times = async (t: ThingAcked, signal?: AbortSignal): Promise<Set<number>> => {
    const sql = `SELECT time FROM ${from} WHERE measure_name = 'vitals' AND thing = '${t.thing}' AND time BETWEEN ${ms(t.from)} AND ${ms(t.to)}`;
    return new Set((await rows(sql, signal)).map((r) => parseTime(r[0] ?? '')));
  };
  return async (acked, signal) => {
    queries = 0;
    const started = performance.now();
    const withSamples = acked.filter((t) => t.batches.length > 0);
    const open = await settle(withSamples, counts, o, signal);
    const report: StoreReport = { storedSamples: 0, lostBatches: 0, lostSamples: 0, lost: [], extraRows: 0, settledAfterMs: 0, queries: 0 };
    for (const t of withSamples) if (!open.has(t.thing)) report.storedSamples += t.samples;
    for (const t of withSamples.filter((x) => open.has(x.thing))) tally(t, await times(t, signal), report);
    report.settledAfterMs = Math.round(performance.now() - started);
    report.queries = queries;
    return report;
  };
}

/**
 * Polls the counts until every thing is complete or the short ones stop growing for
 * `settleMs`; returns the things to check sample by sample: still short, over their
 * count, or with unacknowledged batches.
 */
async function settle(
  things: readonly ThingAcked[],
  counts: (things: readonly ThingAcked[], signal?: AbortSignal) => Promise<Map<string, Tally>>,
  o: TimestreamStoreCheckOptions,
  signal?: AbortSignal,
): Promise<Set<string>> {
  const detail = new Set<string>();
  const seen = new Map<string, number>();
  let toCount = [...things];
  let grewAt = performance.now();
  while (toCount.length > 0) {
    const n = await counts(toCount, signal);
    const short: ThingAcked[] = [];
    for (const t of toCount) {
      const tally = n.get(t.thing);
      const c = tally?.n ?? 0;
      if (c > (seen.get(t.thing) ?? -1)) grewAt = performance.now();
      seen.set(t.thing, c);
      if (c < t.samples) short.push(t);
      else if (c > t.samples || t.unacked.length > 0 || tally === undefined || tally.sum !== expectedSum(t, tally.base)) detail.add(t.thing);
    }
    toCount = short;
    if (short.length === 0) break;
    if (signal?.aborted || performance.now() - grewAt >= (o.settleMs ?? 30_000)) {
      for (const t of short) detail.add(t.thing);
      break;
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 1_000));
  }
  return detail;
}

function tally(t: ThingAcked, stored: Set<number>, report: StoreReport): void {
  const ours = new Set<number>();
  for (const b of t.batches) {
    const missing = missingOf(b, stored, ours);
    report.storedSamples += b.count - missing;
    if (missing === 0) continue;
    report.lostBatches++;
    report.lostSamples += missing;
    if (report.lost.length < 20) report.lost.push({ thing: t.thing, batchId: b.batchId, samples: b.count, missing });
  }
  for (const x of stored) if (!ours.has(x)) report.extraRows++;
}

function missingOf(b: BatchEntry, stored: Set<number>, ours: Set<number>): number {
  let missing = 0;
  for (const x of sampleTimes(b)) {
    ours.add(x);
    if (!stored.has(x)) missing++;
  }
  return missing;
}
