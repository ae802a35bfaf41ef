import type { InputRecord } from './input-record';
import type { Sample, TelemetryContext, TelemetryV1 } from './schemas';
import { summarize } from './summary';

/**
 * One input record in the compact form a batch is built from: `s` the sample, `c`
 * the context, `b` the battery. The agent's outbox stores exactly this, one JSON
 * line per entry, so the short keys keep its segments small.
 */
export interface BatchRecord {
  s: Sample;
  c?: TelemetryContext;
  b?: number;
}

/** Splits a validated input record into its compact form. */
export function toBatchRecord(r: InputRecord): BatchRecord {
  const { context, battery, ...sample } = r;
  const rec: BatchRecord = { s: sample };
  if (context !== undefined) rec.c = context;
  if (battery !== undefined) rec.b = battery;
  return rec;
}

/** What identifies a batch on the wire: the cloud de-duplicates by `(thing, batchId)`. */
export interface BatchIdentity {
  batchId: string;
  seq: number;
}

/**
 * Builds the telemetry v1 message of a batch: the samples in order, their edge
 * summary, and the latest context and battery any record carried (a batch reports
 * the phone's state as of its newest sample).
 *
 * @example
 * buildTelemetryBatch({ batchId: '01J…', seq: 0 }, [{ s: { t: 1, hr: 60 }, b: 0.8 }]);
 * // { v: 1, batchId: '01J…', seq: 0, samples: [{ t: 1, hr: 60 }], summary: { from: 1, to: 1, n: 1, … }, battery: 0.8 }
 */
export function buildTelemetryBatch(id: BatchIdentity, records: readonly BatchRecord[]): TelemetryV1 {
  const samples: Sample[] = [];
  let context: TelemetryContext | undefined;
  let battery: number | undefined;
  for (const rec of records) {
    samples.push(rec.s);
    if (rec.c !== undefined) context = rec.c;
    if (rec.b !== undefined) battery = rec.b;
  }
  const msg: TelemetryV1 = { v: 1, batchId: id.batchId, seq: id.seq, samples, summary: summarize(samples) };
  if (context !== undefined) msg.context = context;
  if (battery !== undefined) msg.battery = battery;
  return msg;
}
