import { type DimensionSet, type DimensionSetResult, dimensionSet } from './dimension-set';
import { type RejectedRecord, RecordRejection } from './errors';
import { fingerprintOf } from './fingerprint';
import { type MeasureShape, MultiShapeCache, singleMeasureShape } from './measure-shape';
import { asScalarType, type MeasureScalar, parseScalar } from './measure-values';
import { checkName, MAX_MEASURE_NAME_BYTES } from './record-names';
import { type RecordTime, recordTime, UNIT_NS } from './record-time';
import type { WireRecord, WriteRecordsRequest } from './write-request';

/**
 * WriteRecords records, normalized: each record merged with CommonAttributes
 * (API_WriteRecords.html: "attributes shared by all records in the request"), checked
 * against the naming and size quotas
 * (https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html) and
 * typed. A problem rejects only its record (RejectedRecordsException), as Timestream does;
 * the request's shape was checked before (write-request.ts).
 */

/** A multi-measure record has at most 256 measures (developerguide ts-limits). */
const MAX_MEASURES_PER_RECORD = 256;

export interface NormalizedRecord extends RecordTime {
  index: number;
  dims: DimensionSet;
  measureName: string;
  shape: MeasureShape;
  /** aligned with shape.names */
  values: MeasureScalar[];
  version: number;
  fingerprint: number;
}

/** Per-request state: what was validated once and is shared by the following records. */
interface RequestContext {
  common: WireRecord | undefined;
  /** the dimension set of records without dimensions of their own (everything in CommonAttributes) */
  shared?: DimensionSetResult;
  shapes: MultiShapeCache;
  /** the last measure name found valid */
  lastMeasureName?: string;
}

/**
 * Normalizes every record; semantic problems become rejections, the rest are returned.
 * @example
 * const { records, rejected } = normalizeRecords(parseWriteRecordsRequest(body));
 */
export function normalizeRecords(req: WriteRecordsRequest): { records: NormalizedRecord[]; rejected: RejectedRecord[] } {
  const records: NormalizedRecord[] = [];
  const rejected: RejectedRecord[] = [];
  const ctx: RequestContext = { common: req.CommonAttributes, shapes: new MultiShapeCache() };
  const recs = req.Records;
  for (let i = 0; i < recs.length; i++) {
    try {
      records.push(normalizeOne(recs[i] as WireRecord, i, ctx));
    } catch (e) {
      if (!(e instanceof RecordRejection)) throw e;
      rejected.push({ RecordIndex: i, Reason: e.message });
    }
  }
  return { records, rejected };
}

function normalizeOne(rec: WireRecord, index: number, ctx: RequestContext): NormalizedRecord {
  const common = ctx.common;
  const dims = dimensionsOf(rec, ctx);
  const measureName = measureNameOf(rec, ctx);
  const time = rec.Time ?? common?.Time;
  if (time === undefined) throw new RecordRejection('Time is required.');
  const unit = rec.TimeUnit ?? common?.TimeUnit ?? 'MILLISECONDS';
  const { timeMs, timeNs, timeKey } = recordTime(time, unit);
  const values: MeasureScalar[] = [];
  const shape = measuresOf(rec, ctx, dims, measureName, UNIT_NS[unit], values);
  return {
    index,
    dims,
    measureName,
    shape,
    values,
    timeMs,
    timeNs,
    timeKey,
    version: rec.Version ?? common?.Version ?? 1,
    fingerprint: fingerprintOf(shape, values),
  };
}

/** The record's dimensions plus the common ones; records with none of their own share one set. */
function dimensionsOf(rec: WireRecord, ctx: RequestContext): DimensionSet {
  const common = ctx.common?.Dimensions ?? [];
  let dims: DimensionSetResult;
  if (rec.Dimensions === undefined || rec.Dimensions.length === 0) {
    ctx.shared ??= dimensionSet(common);
    dims = ctx.shared;
  } else dims = dimensionSet([...common, ...rec.Dimensions]);
  if ('error' in dims) throw new RecordRejection(dims.error);
  return dims;
}

function measureNameOf(rec: WireRecord, ctx: RequestContext): string {
  const measureName = rec.MeasureName ?? ctx.common?.MeasureName;
  if (measureName === undefined) throw new RecordRejection('MeasureName is required.');
  if (measureName !== ctx.lastMeasureName) {
    checkName('Measure', measureName, MAX_MEASURE_NAME_BYTES);
    ctx.lastMeasureName = measureName;
  }
  return measureName;
}

/** Parses the record's measures onto `values` and returns their shape (MULTI, or one value of a scalar type). */
function measuresOf(rec: WireRecord, ctx: RequestContext, dims: DimensionSet, measureName: string, unitNs: bigint, values: MeasureScalar[]): MeasureShape {
  const common = ctx.common;
  const typeRaw = rec.MeasureValueType ?? common?.MeasureValueType;
  const measureValues = rec.MeasureValues ?? common?.MeasureValues;
  const measureValue = rec.MeasureValue ?? common?.MeasureValue;
  if (typeRaw === 'MULTI') {
    if (measureValue !== undefined) throw new RecordRejection('MeasureValue must not be set when MeasureValueType is MULTI.');
    if (measureValues === undefined || measureValues.length === 0) {
      throw new RecordRejection('MeasureValues is required when MeasureValueType is MULTI.');
    }
    if (measureValues.length > MAX_MEASURES_PER_RECORD) {
      throw new RecordRejection(`A multi-measure record has at most ${MAX_MEASURES_PER_RECORD} measures.`);
    }
    return ctx.shapes.shapeOf(measureValues, dims, unitNs, values);
  }
  if (measureValues !== undefined) throw new RecordRejection('MeasureValues requires MeasureValueType MULTI.');
  if (measureValue === undefined) throw new RecordRejection('MeasureValue is required.');
  if (dims.names.has(measureName)) throw new RecordRejection(`Measure '${measureName}' has the same name as a dimension.`);
  const type = asScalarType(typeRaw, `Measure '${measureName}'`);
  values.push(parseScalar(type, measureValue, measureName, unitNs));
  return singleMeasureShape(type);
}
