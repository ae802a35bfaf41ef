import { z } from 'zod';
import { type RejectedRecord, validationError } from './errors';

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

/** A typed measure value: DOUBLE → number, BIGINT/TIMESTAMP → bigint (TIMESTAMP in ns). */
export type MeasureScalar = number | bigint | string | boolean;

export interface NormalizedMeasure {
  /** column name: the multi-measure attribute name, or `measure_value::<type>` for single measures */
  name: string;
  type: ScalarType;
  value: MeasureScalar;
}

export interface NormalizedRecord {
  index: number;
  /** sorted by name */
  dimensions: Array<[string, string]>;
  seriesKey: string;
  measureName: string;
  multi: boolean;
  measures: NormalizedMeasure[];
  timeNs: bigint;
  /** time in epoch ms (truncated), for window checks */
  timeMs: number;
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

function parseScalar(type: ScalarType, raw: string, what: string, unitNs: bigint): MeasureScalar {
  switch (type) {
    case 'DOUBLE': {
      const n = raw.trim() === '' ? Number.NaN : Number(raw);
      if (!Number.isFinite(n)) throw new RecordRejection(`${what}: '${raw}' is not a valid DOUBLE.`);
      return n;
    }
    case 'BIGINT':
    case 'TIMESTAMP': {
      if (!/^-?\d{1,19}$/.test(raw)) throw new RecordRejection(`${what}: '${raw}' is not a valid ${type}.`);
      const v = BigInt(raw);
      if (v > 9_223_372_036_854_775_807n || v < -9_223_372_036_854_775_808n) {
        throw new RecordRejection(`${what}: '${raw}' is out of range for ${type}.`);
      }
      return type === 'TIMESTAMP' ? v * unitNs : v;
    }
    case 'BOOLEAN': {
      const l = raw.toLowerCase();
      if (l !== 'true' && l !== 'false') throw new RecordRejection(`${what}: '${raw}' is not a valid BOOLEAN.`);
      return l === 'true';
    }
    case 'VARCHAR':
      if (bytes(raw) > MAX_VARCHAR_BYTES) throw new RecordRejection(`${what} exceeds ${MAX_VARCHAR_BYTES} bytes.`);
      return raw;
  }
}

function asScalarType(t: string | undefined, what: string): ScalarType {
  const v = t ?? 'DOUBLE';
  if ((SCALAR_TYPES as readonly string[]).includes(v)) return v as ScalarType;
  throw new RecordRejection(`${what}: unsupported MeasureValueType '${v}'.`);
}

/** Canonical text of a value, so "72" and "72.0" (both DOUBLE 72) compare equal. */
function canonical(v: MeasureScalar): string {
  return typeof v === 'number' ? String(v) : typeof v === 'bigint' ? v.toString() : String(v);
}

/** cyrb53-style 53-bit string hash: a compact fingerprint of a record's measure values. */
export function hash53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * The fingerprint of a set of measures, independent of their order: the sum (mod 2^53)
 * of each measure's hash, so no sorting or joining is needed on the write path.
 */
export function fingerprintOf(measures: ReadonlyArray<{ name: string; type: ScalarType; value: MeasureScalar }>): number {
  let sum = 0;
  for (const m of measures) sum = (sum + measureHash(m.name, m.type, canonical(m.value))) % 9007199254740992;
  return sum;
}

/**
 * `hash53(\`${name}\u0001${type}\u0001${text}\`)` without building the string (the
 * write path hashes every measure of every record; fingerprints are stored, so the value
 * must stay exactly hash53's).
 */
export function measureHash(name: string, type: string, text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let p = 0; p < 5; p++) {
    const s = p === 0 ? name : p === 2 ? type : p === 4 ? text : '\u0001';
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Series identity: the sorted dimension set. */
export function seriesKeyOf(dimensions: ReadonlyArray<[string, string]>): string {
  let s = '';
  for (const [n, v] of dimensions) s += `${n}\u0001${v}\u0002`;
  return s;
}

/** A record's validated dimension set (or why it is rejected). */
type DimensionSet = { dimensions: Array<[string, string]>; seriesKey: string; names: Set<string> } | { error: string };

function dimensionSet(dims: ReadonlyArray<{ Name: string; Value: string }>): DimensionSet {
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

/**
 * Records without dimensions of their own (everything in CommonAttributes, the
 * recommended layout) share one validated dimension set per request; records never
 * mutate it.
 */
function normalizeOne(rec: WireRecord, common: WireRecord | undefined, index: number, shared: { set?: DimensionSet }): NormalizedRecord {
  let dimSet: DimensionSet;
  if (rec.Dimensions === undefined || rec.Dimensions.length === 0) {
    shared.set ??= dimensionSet(common?.Dimensions ?? []);
    dimSet = shared.set;
  } else dimSet = dimensionSet([...(common?.Dimensions ?? []), ...rec.Dimensions]);
  if ('error' in dimSet) throw new RecordRejection(dimSet.error);
  const { dimensions, seriesKey, names: seen } = dimSet;

  const measureName = rec.MeasureName ?? common?.MeasureName;
  if (measureName === undefined) throw new RecordRejection('MeasureName is required.');
  checkName('Measure', measureName, MAX_MEASURE_NAME_BYTES);

  const time = rec.Time ?? common?.Time;
  if (time === undefined) throw new RecordRejection('Time is required.');
  const unit = rec.TimeUnit ?? common?.TimeUnit ?? 'MILLISECONDS';
  if (!/^\d{1,19}$/.test(time)) throw new RecordRejection(`Time '${time}' is not a valid ${unit} epoch value.`);
  const unitNs = UNIT_NS[unit];
  const timeNs = BigInt(time) * unitNs;
  const timeMs = unit === 'MILLISECONDS' ? Number(time) : Number(timeNs / 1_000_000n);
  const timeKey = unit === 'MILLISECONDS' || timeNs % 1_000_000n === 0n ? timeMs : timeNs.toString();

  const typeRaw = rec.MeasureValueType ?? common?.MeasureValueType;
  const measureValues = rec.MeasureValues ?? common?.MeasureValues;
  const measureValue = rec.MeasureValue ?? common?.MeasureValue;
  const measures: NormalizedMeasure[] = [];
  const multi = typeRaw === 'MULTI';
  if (multi) {
    if (measureValue !== undefined) throw new RecordRejection('MeasureValue must not be set when MeasureValueType is MULTI.');
    if (measureValues === undefined || measureValues.length === 0) {
      throw new RecordRejection('MeasureValues is required when MeasureValueType is MULTI.');
    }
    if (measureValues.length > MAX_MEASURES_PER_RECORD) {
      throw new RecordRejection(`A multi-measure record has at most ${MAX_MEASURES_PER_RECORD} measures.`);
    }
    for (const mv of measureValues) {
      checkName('Measure', mv.Name, MAX_MEASURE_NAME_BYTES);
      // a scan beats a Set per record for the handful of measures records have (at most 256)
      for (const m of measures) if (m.name === mv.Name) throw new RecordRejection(`Duplicate measure name '${mv.Name}' in MeasureValues.`);
      if (seen.has(mv.Name)) throw new RecordRejection(`Measure '${mv.Name}' has the same name as a dimension.`);
      const type = asScalarType(mv.Type, `Measure '${mv.Name}'`);
      measures.push({ name: mv.Name, type, value: parseScalar(type, mv.Value, `Measure '${mv.Name}'`, unitNs) });
    }
  } else {
    if (measureValues !== undefined) throw new RecordRejection('MeasureValues requires MeasureValueType MULTI.');
    if (measureValue === undefined) throw new RecordRejection('MeasureValue is required.');
    if (seen.has(measureName)) throw new RecordRejection(`Measure '${measureName}' has the same name as a dimension.`);
    const type = asScalarType(typeRaw, `Measure '${measureName}'`);
    measures.push({
      name: `measure_value::${type.toLowerCase()}`,
      type,
      value: parseScalar(type, measureValue, `Measure '${measureName}'`, unitNs),
    });
  }
  return {
    index,
    dimensions,
    seriesKey,
    measureName,
    multi,
    measures,
    timeNs,
    timeMs,
    timeKey,
    version: rec.Version ?? common?.Version ?? 1,
    fingerprint: fingerprintOf(measures),
  };
}

/** Normalizes every record; semantic problems become rejections, the rest are returned. */
export function normalizeRecords(req: WriteRecordsRequest): { records: NormalizedRecord[]; rejected: RejectedRecord[] } {
  const records: NormalizedRecord[] = [];
  const rejected: RejectedRecord[] = [];
  const shared: { set?: DimensionSet } = {};
  req.Records.forEach((rec, i) => {
    try {
      records.push(normalizeOne(rec, req.CommonAttributes, i, shared));
    } catch (e) {
      if (!(e instanceof RecordRejection)) throw e;
      rejected.push({ RecordIndex: i, Reason: e.message });
    }
  });
  return { records, rejected };
}
