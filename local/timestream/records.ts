import { z } from 'zod';
import { type RejectedRecord, validationError } from './errors';
import { fingerprintOf, measurePrefix } from './fingerprint';

/**
 * WriteRecords request validation and normalization, following
 * https://docs.aws.amazon.com/timestream/latest/APIReference/API_WriteRecords.html and the
 * naming/size quotas in https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html.
 * Shape problems fail the whole call (ValidationException); per-record semantic problems
 * reject only that record (RejectedRecordsException), as Timestream does.
 */

export const MAX_RECORDS_PER_WRITE = 100;
const MAX_DIMENSION_NAME_BYTES = 60;
const MAX_DIMENSION_VALUE_BYTES = 2048;
const MAX_MEASURE_NAME_BYTES = 256;
const MAX_MEASURES_PER_RECORD = 256;
const MAX_VARCHAR_BYTES = 2048;

export const SCALAR_TYPES = ['DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN', 'TIMESTAMP'] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];
const TIME_UNITS = ['MILLISECONDS', 'SECONDS', 'MICROSECONDS', 'NANOSECONDS'] as const;
type TimeUnit = (typeof TIME_UNITS)[number];
const UNIT_NS: Record<TimeUnit, bigint> = {
  SECONDS: 1_000_000_000n,
  MILLISECONDS: 1_000_000n,
  MICROSECONDS: 1_000n,
  NANOSECONDS: 1n,
};

const DimensionSchema = z.object({
  Name: z.string(),
  Value: z.string(),
  DimensionValueType: z.literal('VARCHAR').optional(),
});
const MeasureValueSchema = z.object({ Name: z.string(), Value: z.string(), Type: z.string() });
const RecordSchema = z.object({
  Dimensions: z.array(DimensionSchema).optional(),
  MeasureName: z.string().optional(),
  MeasureValue: z.string().optional(),
  MeasureValueType: z.string().optional(),
  Time: z.string().optional(),
  TimeUnit: z.enum(TIME_UNITS).optional(),
  Version: z.number().int().optional(),
  MeasureValues: z.array(MeasureValueSchema).optional(),
});
export type WireRecord = z.infer<typeof RecordSchema>;

const NAME = z
  .string()
  .min(3)
  .max(256)
  .regex(/^[a-zA-Z0-9_.-]+$/);

export const WriteRecordsRequestSchema = z.object({
  DatabaseName: NAME,
  TableName: NAME,
  CommonAttributes: RecordSchema.optional(),
  Records: z.array(RecordSchema).min(1).max(MAX_RECORDS_PER_WRITE),
});
export type WriteRecordsRequest = z.infer<typeof WriteRecordsRequestSchema>;

/** A typed measure value: DOUBLE → number, BIGINT → number when exact else bigint, TIMESTAMP → bigint ns. */
export type MeasureScalar = number | bigint | string | boolean;

/**
 * The measure layout a record writes: column names and types in record order. Records
 * of one request with the same layout share one validated shape, so names, types and
 * duplicates are checked once per request, not once per record.
 */
export interface MeasureShape {
  /** column names: the multi-measure attribute names, or `measure_value::<type>` for a single measure */
  names: string[];
  types: ScalarType[];
  /** hash53 state after `<name>\u0001<type>\u0001`, per measure (fingerprints hash only the value text) */
  h1: number[];
  h2: number[];
}

/** A record's validated dimension set, shared by every record of a request that uses it. */
export interface DimensionSet {
  /** sorted by name */
  dimensions: Array<[string, string]>;
  seriesKey: string;
  names: Set<string>;
}

export interface NormalizedRecord {
  index: number;
  dims: DimensionSet;
  measureName: string;
  shape: MeasureShape;
  /** aligned with shape.names */
  values: MeasureScalar[];
  /** time in epoch ms (truncated), for window checks and the common exact-ms case */
  timeMs: number;
  /** the time in ns when it is not a whole number of ms (else undefined: it is timeMs × 10^6) */
  timeNs: bigint | undefined;
  /** identity of the time in the version index: ms as a number when exact, else the ns digits */
  timeKey: number | string;
  version: number;
  fingerprint: number;
}

/** Parses the request body; any shape problem fails the whole call like the real API. */
export function parseWriteRecordsRequest(body: unknown): WriteRecordsRequest {
  // Fast path: a hand-written check of the same shape, which accepts only what the
  // schema accepts and copies nothing (zod rebuilds 100 records x N measures per call).
  // Anything it does not accept goes through zod, so error messages are unchanged.
  let req: WriteRecordsRequest;
  if (isWriteRecordsRequest(body)) req = body;
  else {
    const r = WriteRecordsRequestSchema.safeParse(body);
    if (!r.success) {
      const issues = r.error.issues.map((i) => `Value at '${i.path.join('.') || 'body'}' failed: ${i.message}`);
      throw validationError(`${issues.length} validation error(s) detected: ${issues.join('; ')}`);
    }
    req = r.data;
  }
  checkVersion(req.CommonAttributes);
  for (const rec of req.Records) checkVersion(rec);
  return req;
}

function checkVersion(rec: WireRecord | undefined): void {
  // Version must be >= 1 (API_Record.html: "Version must be 1 or greater, or you will receive a ValidationException").
  if (rec?.Version !== undefined && rec.Version < 1) {
    throw validationError(`Version must be 1 or greater, got ${rec.Version}.`);
  }
}

const NAME_RE = /^[a-zA-Z0-9_.-]+$/;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optStr = (v: unknown): boolean => v === undefined || typeof v === 'string';
const isName = (v: unknown): boolean => typeof v === 'string' && v.length >= 3 && v.length <= 256 && NAME_RE.test(v);

/** True only for bodies WriteRecordsRequestSchema accepts (it may say false for some it accepts). */
function isWriteRecordsRequest(b: unknown): b is WriteRecordsRequest {
  if (!isObj(b) || !isName(b.DatabaseName) || !isName(b.TableName)) return false;
  if (b.CommonAttributes !== undefined && !isWireRecord(b.CommonAttributes)) return false;
  const recs = b.Records;
  if (!Array.isArray(recs) || recs.length < 1 || recs.length > MAX_RECORDS_PER_WRITE) return false;
  for (const r of recs) if (!isWireRecord(r)) return false;
  return true;
}

function isWireRecord(r: unknown): boolean {
  if (!isObj(r)) return false;
  if (!optStr(r.MeasureName) || !optStr(r.MeasureValue) || !optStr(r.MeasureValueType) || !optStr(r.Time)) return false;
  if (r.TimeUnit !== undefined && !(TIME_UNITS as readonly unknown[]).includes(r.TimeUnit)) return false;
  if (r.Version !== undefined && !Number.isSafeInteger(r.Version)) return false;
  const dims = r.Dimensions;
  if (dims !== undefined) {
    if (!Array.isArray(dims)) return false;
    for (const d of dims) {
      if (!isObj(d) || typeof d.Name !== 'string' || typeof d.Value !== 'string') return false;
      if (d.DimensionValueType !== undefined && d.DimensionValueType !== 'VARCHAR') return false;
    }
  }
  const mvs = r.MeasureValues;
  if (mvs !== undefined) {
    if (!Array.isArray(mvs)) return false;
    for (const m of mvs) {
      if (!isObj(m) || typeof m.Name !== 'string' || typeof m.Value !== 'string' || typeof m.Type !== 'string') return false;
    }
  }
  return true;
}

class RecordRejection extends Error {}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Names already found valid, per kind (the same few names repeat in every request). */
const validNames = new Map<string, Set<string>>();
let validNameCount = 0;

/** Reserved column names / prefixes (developerguide ts-limits: naming constraints). */
function checkName(kind: string, name: string, maxBytes: number): void {
  let known = validNames.get(kind);
  if (known?.has(name)) return;
  checkNameUncached(kind, name, maxBytes);
  if (validNameCount >= 10_000) return;
  if (!known) {
    known = new Set();
    validNames.set(kind, known);
  }
  known.add(name);
  validNameCount++;
}

function checkNameUncached(kind: string, name: string, maxBytes: number): void {
  if (name.length === 0) throw new RecordRejection(`${kind} name cannot be empty.`);
  if (bytes(name) > maxBytes) throw new RecordRejection(`${kind} name '${name}' exceeds ${maxBytes} bytes.`);
  const lower = name.toLowerCase();
  if (lower === 'time' || lower === 'measure_name' || lower.startsWith('measure_value') || lower.startsWith('ts_')) {
    throw new RecordRejection(`${kind} name '${name}' is reserved.`);
  }
  if (name.includes(':')) throw new RecordRejection(`${kind} name '${name}' cannot contain ':'.`);
}

/** True when `s` is 1..max ASCII digits (a charCode scan: cheaper than a regex per record). */
function isDigits(s: string, max: number): boolean {
  const n = s.length;
  if (n === 0 || n > max) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** `measure` names the value in rejection reasons (`Measure '<name>'`), built only on a rejection. */
function parseScalar(type: ScalarType, raw: string, measure: string, unitNs: bigint): MeasureScalar {
  switch (type) {
    case 'DOUBLE': {
      // only a string that starts with white space can be blank: skip trim() otherwise
      const c0 = raw.charCodeAt(0);
      const blank = raw.length === 0 || ((c0 <= 32 || c0 >= 0x80) && raw.trim() === '');
      const n = blank ? Number.NaN : Number(raw);
      if (!Number.isFinite(n)) throw new RecordRejection(`Measure '${measure}': '${raw}' is not a valid DOUBLE.`);
      return n;
    }
    case 'BIGINT':
    case 'TIMESTAMP': {
      if (!/^-?\d{1,19}$/.test(raw)) throw new RecordRejection(`Measure '${measure}': '${raw}' is not a valid ${type}.`);
      // up to 15 digits is exact as a number: no bigint on the common path (same canonical text)
      if (type === 'BIGINT' && raw.length <= 15) return Number(raw) + 0;
      const v = BigInt(raw);
      if (v > 9_223_372_036_854_775_807n || v < -9_223_372_036_854_775_808n) {
        throw new RecordRejection(`Measure '${measure}': '${raw}' is out of range for ${type}.`);
      }
      return type === 'TIMESTAMP' ? v * unitNs : v;
    }
    case 'BOOLEAN': {
      const l = raw.toLowerCase();
      if (l !== 'true' && l !== 'false') throw new RecordRejection(`Measure '${measure}': '${raw}' is not a valid BOOLEAN.`);
      return l === 'true';
    }
    case 'VARCHAR':
      if (bytes(raw) > MAX_VARCHAR_BYTES) throw new RecordRejection(`Measure '${measure}' exceeds ${MAX_VARCHAR_BYTES} bytes.`);
      return raw;
  }
}

function asScalarType(t: string | undefined, what: string): ScalarType {
  const v = t ?? 'DOUBLE';
  if ((SCALAR_TYPES as readonly string[]).includes(v)) return v as ScalarType;
  throw new RecordRejection(`${what}: unsupported MeasureValueType '${v}'.`);
}

function makeShape(names: string[], types: ScalarType[]): MeasureShape {
  const h1: number[] = [];
  const h2: number[] = [];
  for (let j = 0; j < names.length; j++) {
    const [a, b] = measurePrefix(names[j] ?? '', types[j] ?? 'DOUBLE');
    h1.push(a);
    h2.push(b);
  }
  return { names, types, h1, h2 };
}

/** Single-measure shapes, one per type (`measure_value::double`, …). */
const SINGLE_SHAPES = new Map<ScalarType, MeasureShape>(SCALAR_TYPES.map((t) => [t, makeShape([`measure_value::${t.toLowerCase()}`], [t])]));

/** Series identity: the sorted dimension set. */
export function seriesKeyOf(dimensions: ReadonlyArray<[string, string]>): string {
  let s = '';
  for (const [n, v] of dimensions) s += `${n}\u0001${v}\u0002`;
  return s;
}

function dimensionSet(dims: ReadonlyArray<{ Name: string; Value: string }>): DimensionSet | { error: string } {
  const names = new Set<string>();
  const dimensions: Array<[string, string]> = [];
  try {
    for (const d of dims) {
      checkName('Dimension', d.Name, MAX_DIMENSION_NAME_BYTES);
      if (names.has(d.Name)) throw new RecordRejection(`Duplicate dimension name '${d.Name}'.`);
      names.add(d.Name);
      if (d.Value.length === 0) throw new RecordRejection(`Dimension '${d.Name}' has an empty value.`);
      if (bytes(d.Value) > MAX_DIMENSION_VALUE_BYTES) {
        throw new RecordRejection(`Dimension '${d.Name}' value exceeds ${MAX_DIMENSION_VALUE_BYTES} bytes.`);
      }
      dimensions.push([d.Name, d.Value]);
    }
  } catch (e) {
    if (e instanceof RecordRejection) return { error: e.message };
    throw e;
  }
  dimensions.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { dimensions, seriesKey: seriesKeyOf(dimensions), names };
}

/** Per-request state: what was validated once and is shared by the following records. */
interface RequestContext {
  common: WireRecord | undefined;
  /** the dimension set of records without dimensions of their own (everything in CommonAttributes) */
  shared?: DimensionSet | { error: string };
  /** the last validated multi-measure shape, with the raw types and dimension set it was checked against */
  lastShape?: MeasureShape;
  lastRawTypes?: string[];
  lastDims?: DimensionSet;
  /** the last measure name found valid */
  lastMeasureName?: string;
}

function multiShape(mvs: ReadonlyArray<{ Name: string; Value: string; Type: string }>, dims: DimensionSet, ctx: RequestContext, unitNs: bigint, values: MeasureScalar[]): MeasureShape {
  const last = ctx.lastShape;
  if (last !== undefined && last.names.length === mvs.length) {
    const raw = ctx.lastRawTypes ?? [];
    let same = true;
    for (let j = 0; j < mvs.length; j++) {
      const mv = mvs[j];
      if (mv === undefined || mv.Name !== last.names[j] || mv.Type !== raw[j]) {
        same = false;
        break;
      }
    }
    // a shape checked against other dimensions still holds when none of its names is a dimension here
    if (same && ctx.lastDims !== dims) same = !last.names.some((n) => dims.names.has(n));
    if (same) {
      // names, duplicates, dimension clashes and types were checked for this shape: only values remain
      for (let j = 0; j < mvs.length; j++) {
        const mv = mvs[j] as { Name: string; Value: string };
        values.push(parseScalar(last.types[j] ?? 'DOUBLE', mv.Value, mv.Name, unitNs));
      }
      return last;
    }
  }
  const names: string[] = [];
  const types: ScalarType[] = [];
  const rawTypes: string[] = [];
  for (const mv of mvs) {
    checkName('Measure', mv.Name, MAX_MEASURE_NAME_BYTES);
    // a scan beats a Set per record for the handful of measures records have (at most 256)
    if (names.includes(mv.Name)) throw new RecordRejection(`Duplicate measure name '${mv.Name}' in MeasureValues.`);
    if (dims.names.has(mv.Name)) throw new RecordRejection(`Measure '${mv.Name}' has the same name as a dimension.`);
    const type = asScalarType(mv.Type, `Measure '${mv.Name}'`);
    values.push(parseScalar(type, mv.Value, mv.Name, unitNs));
    names.push(mv.Name);
    types.push(type);
    rawTypes.push(mv.Type);
  }
  const shape = makeShape(names, types);
  ctx.lastShape = shape;
  ctx.lastRawTypes = rawTypes;
  ctx.lastDims = dims;
  return shape;
}

function normalizeOne(rec: WireRecord, index: number, ctx: RequestContext): NormalizedRecord {
  const common = ctx.common;
  let dimSet: DimensionSet | { error: string };
  if (rec.Dimensions === undefined || rec.Dimensions.length === 0) {
    ctx.shared ??= dimensionSet(common?.Dimensions ?? []);
    dimSet = ctx.shared;
  } else dimSet = dimensionSet([...(common?.Dimensions ?? []), ...rec.Dimensions]);
  if ('error' in dimSet) throw new RecordRejection(dimSet.error);

  const measureName = rec.MeasureName ?? common?.MeasureName;
  if (measureName === undefined) throw new RecordRejection('MeasureName is required.');
  if (measureName !== ctx.lastMeasureName) {
    checkName('Measure', measureName, MAX_MEASURE_NAME_BYTES);
    ctx.lastMeasureName = measureName;
  }

  const time = rec.Time ?? common?.Time;
  if (time === undefined) throw new RecordRejection('Time is required.');
  const unit = rec.TimeUnit ?? common?.TimeUnit ?? 'MILLISECONDS';
  if (!isDigits(time, 19)) throw new RecordRejection(`Time '${time}' is not a valid ${unit} epoch value.`);
  const unitNs = UNIT_NS[unit];
  let timeMs: number;
  let timeNs: bigint | undefined;
  let timeKey: number | string;
  if (unit === 'MILLISECONDS' && time.length <= 15) {
    // exact as a number: no bigint for the common case
    timeMs = Number(time);
    timeKey = timeMs;
  } else {
    const ns = BigInt(time) * unitNs;
    timeMs = Number(ns / 1_000_000n);
    if (ns % 1_000_000n === 0n && ns < 9_000_000_000_000_000_000n) timeKey = timeMs;
    else {
      timeNs = ns;
      timeKey = ns.toString();
    }
  }

  const typeRaw = rec.MeasureValueType ?? common?.MeasureValueType;
  const measureValues = rec.MeasureValues ?? common?.MeasureValues;
  const measureValue = rec.MeasureValue ?? common?.MeasureValue;
  const values: MeasureScalar[] = [];
  let shape: MeasureShape;
  if (typeRaw === 'MULTI') {
    if (measureValue !== undefined) throw new RecordRejection('MeasureValue must not be set when MeasureValueType is MULTI.');
    if (measureValues === undefined || measureValues.length === 0) {
      throw new RecordRejection('MeasureValues is required when MeasureValueType is MULTI.');
    }
    if (measureValues.length > MAX_MEASURES_PER_RECORD) {
      throw new RecordRejection(`A multi-measure record has at most ${MAX_MEASURES_PER_RECORD} measures.`);
    }
    shape = multiShape(measureValues, dimSet, ctx, unitNs, values);
  } else {
    if (measureValues !== undefined) throw new RecordRejection('MeasureValues requires MeasureValueType MULTI.');
    if (measureValue === undefined) throw new RecordRejection('MeasureValue is required.');
    if (dimSet.names.has(measureName)) throw new RecordRejection(`Measure '${measureName}' has the same name as a dimension.`);
    const type = asScalarType(typeRaw, `Measure '${measureName}'`);
    values.push(parseScalar(type, measureValue, measureName, unitNs));
    shape = SINGLE_SHAPES.get(type) ?? makeShape([`measure_value::${type.toLowerCase()}`], [type]);
  }
  return {
    index,
    dims: dimSet,
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

/** Normalizes every record; semantic problems become rejections, the rest are returned. */
export function normalizeRecords(req: WriteRecordsRequest): { records: NormalizedRecord[]; rejected: RejectedRecord[] } {
  const records: NormalizedRecord[] = [];
  const rejected: RejectedRecord[] = [];
  const ctx: RequestContext = { common: req.CommonAttributes };
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
