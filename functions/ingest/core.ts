import type { _Record } from '@aws-sdk/client-timestream-write';
import { z } from 'zod';
import { PulsepetError } from '../../protocol/errors';
import { MAX_SAMPLES_PER_BATCH, type Sample, type TelemetryV1, TelemetryV1Schema } from '../../protocol/telemetry';
import { THING_NAME_RE } from '../../protocol/topics';

/**
 * Pure core of the ingest function: a telemetry v1 batch (as the `ingest_telemetry`
 * rule delivers it: the payload plus `thing` = topic(3)) → Timestream multi-measure
 * records, one `vitals` record per sample (ARCHITECTURE.md, Timestream layout).
 */

/** WriteRecords takes at most 100 records per call (Timestream quotas). */
export const MAX_RECORDS_PER_CALL = 100;
export const VITALS_MEASURE = 'vitals';
export const THING_DIMENSION = 'thing';

/** Each sample field and its Timestream type; steps is a count, the rest are measurements. */
export const VITAL_MEASURES = [
  ['hr', 'DOUBLE'],
  ['hrvRmssd', 'DOUBLE'],
  ['steps', 'BIGINT'],
  ['spo2', 'DOUBLE'],
  ['skinTempC', 'DOUBLE'],
  ['accelG', 'DOUBLE'],
] as const satisfies ReadonlyArray<readonly [keyof Sample, 'DOUBLE' | 'BIGINT']>;

export interface IngestEvent {
  thing: string;
  batch: TelemetryV1;
}

const ThingSchema = z.string().regex(THING_NAME_RE, 'must be a valid thing name');

/**
 * Validates the rule's event. A bad batch is not retryable: it throws
 * `PulsepetError('PP_ERR_VALIDATION')` whose message lists every problem, which the
 * rules runtime reports on the error channel.
 */
export function parseIngestEvent(event: unknown): IngestEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new PulsepetError('PP_ERR_VALIDATION', 'ingest event must be a JSON object (telemetry v1 plus thing)');
  }
  const { thing, ...payload } = event as Record<string, unknown>;
  // Fast path: a batch the hand-written check accepts is one the schema accepts
  // unchanged (no defaults, no transforms), so it is used as is instead of rebuilt.
  if (typeof thing === 'string' && THING_NAME_RE.test(thing) && isTelemetryV1(payload)) return { thing, batch: payload };
  const problems: string[] = [];
  const t = ThingSchema.safeParse(thing);
  if (!t.success) problems.push(`thing: ${t.error.issues[0]?.message ?? 'invalid'}`);
  const b = TelemetryV1Schema.safeParse(payload);
  if (!b.success) {
    for (const i of b.error.issues) problems.push(`${i.path.length > 0 ? i.path.join('.') : 'batch'}: ${i.message}`);
  }
  if (!t.success || !b.success) {
    const batchId = typeof payload.batchId === 'string' ? payload.batchId : undefined;
    throw new PulsepetError('PP_ERR_VALIDATION', `invalid telemetry v1 batch: ${problems.slice(0, 10).join('; ')}`, {
      details: { thing: typeof thing === 'string' ? thing : undefined, batchId, problems },
    });
  }
  return { thing: t.data, batch: b.data };
}

const num = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const optNum = (v: unknown, min: number, max: number): boolean => v === undefined || num(v, min, max);
const int = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
const INF = Number.POSITIVE_INFINITY;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const BATCH_KEYS = new Set(['v', 'batchId', 'seq', 'samples', 'context', 'summary', 'battery']);
const SAMPLE_KEYS = new Set(['t', 'hr', 'hrvRmssd', 'steps', 'spo2', 'skinTempC', 'accelG']);
const SUMMARY_KEYS = new Set(['from', 'to', 'n', 'hrMean', 'hrMax', 'hrvRmssd', 'stepsSum']);
const CONTEXT_KEYS = new Set(['altitudeM', 'ambientTempC', 'speedKmh', 'weather']);

function onlyKeys(o: Record<string, unknown>, allowed: Set<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

/**
 * The hot path's stand-in for TelemetryV1Schema (protocol/telemetry.ts), about 15x
 * cheaper than zod on a 100-sample batch because it checks in place and copies nothing.
 * True only for batches the schema accepts as they are (the schema has no defaults or
 * transforms, so the batch is its own parsed value); whatever it refuses goes through the
 * schema, which names the problems. Mirrors the schema's bounds (strict objects, ranges,
 * integers, summary.n = samples.length); core.property.test.ts holds it to the schema
 * over generated valid and broken batches.
 */
export function isTelemetryV1(b: Record<string, unknown>): b is TelemetryV1 & Record<string, unknown> {
  if (!onlyKeys(b, BATCH_KEYS) || b.v !== 1 || !int(b.seq, 0) || !optNum(b.battery, 0, 1)) return false;
  if (typeof b.batchId !== 'string' || b.batchId.length < 1 || b.batchId.length > 64) return false;
  const s = b.summary;
  if (!isObj(s) || !onlyKeys(s, SUMMARY_KEYS) || !int(s.from, -INF) || !int(s.to, -INF) || !int(s.n, 1) || !int(s.stepsSum, 0)) return false;
  if (!num(s.hrMean, -INF, INF) || !num(s.hrMax, -INF, INF) || !optNum(s.hrvRmssd, -INF, INF)) return false;
  const c = b.context;
  if (c !== undefined) {
    if (!isObj(c) || !onlyKeys(c, CONTEXT_KEYS) || !optNum(c.altitudeM, -INF, INF) || !optNum(c.ambientTempC, -INF, INF)) return false;
    if (!optNum(c.speedKmh, 0, INF) || (c.weather !== undefined && (typeof c.weather !== 'string' || c.weather.length > 64))) return false;
  }
  const samples = b.samples;
  if (!Array.isArray(samples) || samples.length < 1 || samples.length > MAX_SAMPLES_PER_BATCH || s.n !== samples.length) return false;
  for (const x of samples as unknown[]) {
    if (!isObj(x) || !onlyKeys(x, SAMPLE_KEYS) || !int(x.t, 1) || !num(x.hr, 20, 250)) return false;
    if (!optNum(x.hrvRmssd, 0, 300) || (x.steps !== undefined && !int(x.steps, 0)) || !optNum(x.spo2, 50, 100)) return false;
    if (!optNum(x.skinTempC, 20, 45) || !optNum(x.accelG, 0, 16)) return false;
  }
  return true;
}

/** What one batch becomes: the attributes every record shares, and one record per sample. */
export interface BatchRecords {
  /** sent as WriteRecords `CommonAttributes` (Timestream merges them into every record) */
  common: _Record;
  records: _Record[];
}

/**
 * One multi-measure record per sample. The shared parts (dimension `thing`, measure
 * name, MULTI, time unit, version) go once into `CommonAttributes`, which Timestream
 * recommends to cut request size (API_WriteRecords.html, CommonAttributes); each record
 * carries only its time and measures. `Version` is the batch `seq + 1` (versions start
 * at 1): the same batch delivered twice carries identical records with the same version,
 * which Timestream accepts as a no-op
 * (https://docs.aws.amazon.com/timestream/latest/developerguide/API_WriteRecords.html, "Upserts").
 */
export function toRecords(e: IngestEvent): BatchRecords {
  const common: _Record = {
    Dimensions: [{ Name: THING_DIMENSION, Value: e.thing, DimensionValueType: 'VARCHAR' }],
    MeasureName: VITALS_MEASURE,
    MeasureValueType: 'MULTI',
    TimeUnit: 'MILLISECONDS',
    Version: e.batch.seq + 1,
  };
  const records = e.batch.samples.map((s): _Record => {
    const values = [];
    for (const [name, type] of VITAL_MEASURES) {
      const v = s[name];
      if (v !== undefined) values.push({ Name: name, Value: String(v), Type: type });
    }
    return { Time: String(s.t), MeasureValues: values };
  });
  return { common, records };
}

/** Splits records into WriteRecords calls of at most `size`. */
export function chunk<T>(items: readonly T[], size = MAX_RECORDS_PER_CALL): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError('chunk size must be a positive integer');
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
