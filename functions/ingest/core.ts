import type { _Record } from '@aws-sdk/client-timestream-write';
import { z } from 'zod';
import { PulsepetError } from '../../protocol/errors';
import { type Sample, type TelemetryV1, TelemetryV1Schema } from '../../protocol/telemetry';
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
