import { z } from 'zod';
import { validationError } from './errors';

/**
 * The shape of a WriteRecords request
 * (https://docs.aws.amazon.com/timestream/latest/APIReference/API_WriteRecords.html,
 * .../API_Record.html): a problem here fails the whole call with a ValidationException.
 * What a record means (names, values, times) is checked per record in records.ts, and a
 * problem there rejects only that record, as Timestream does.
 */

/** Records: "Array Members: Minimum number of 1 item. Maximum number of 100 items." */
export const MAX_RECORDS_PER_WRITE = 100;

export const TIME_UNITS = ['MILLISECONDS', 'SECONDS', 'MICROSECONDS', 'NANOSECONDS'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

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
/** One record as it arrives (also the shape of CommonAttributes). */
export type WireRecord = z.infer<typeof RecordSchema>;

/** DatabaseName / TableName: 3..256 characters of `[a-zA-Z0-9_.-]` (developerguide ts-limits, naming constraints). */
const NAME_RE = /^[a-zA-Z0-9_.-]+$/;
/** A database or table name as every Timestream Write operation checks it. */
export const RESOURCE_NAME = z.string().min(3).max(256).regex(NAME_RE);

/** The one source of truth for the request's shape; the fast path below is held to it by write-request.property.test.ts. */
export const WriteRecordsRequestSchema = z.object({
  DatabaseName: RESOURCE_NAME,
  TableName: RESOURCE_NAME,
  CommonAttributes: RecordSchema.optional(),
  Records: z.array(RecordSchema).min(1).max(MAX_RECORDS_PER_WRITE),
});
export type WriteRecordsRequest = z.infer<typeof WriteRecordsRequestSchema>;

/**
 * Parses a WriteRecords body; any shape problem fails the whole call like the real API.
 * @example
 * const req = parseWriteRecordsRequest(JSON.parse(body)); // throws TimestreamError('ValidationException')
 */
export function parseWriteRecordsRequest(body: unknown): WriteRecordsRequest {
  // Fast path: the body is its own parsed value when isWriteRecordsRequest takes it (zod
  // would rebuild 100 records x N measures per call, ~8x the cost); anything else goes
  // through zod, so error messages come from the schema.
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

// True when every key of the object is one the schema knows: zod strips the others, so a
// body with one is not its own parsed value. One loop per kind, comparing with `===`
// (a pointer compare for JSON.parse's internalized keys), is about 5x cheaper than a Set.
function onlyRequestKeys(o: object): boolean {
  for (const k in o) if (k !== 'Records' && k !== 'DatabaseName' && k !== 'TableName' && k !== 'CommonAttributes') return false;
  return true;
}
function onlyRecordKeys(o: object): boolean {
  for (const k in o) {
    if (k !== 'Time' && k !== 'MeasureValues' && k !== 'Dimensions' && k !== 'MeasureName' && k !== 'MeasureValue' && k !== 'MeasureValueType' && k !== 'TimeUnit' && k !== 'Version') {
      return false;
    }
  }
  return true;
}
function onlyDimensionKeys(o: object): boolean {
  for (const k in o) if (k !== 'Name' && k !== 'Value' && k !== 'DimensionValueType') return false;
  return true;
}
function onlyMeasureValueKeys(o: object): boolean {
  for (const k in o) if (k !== 'Name' && k !== 'Value' && k !== 'Type') return false;
  return true;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optStr = (v: unknown): boolean => v === undefined || typeof v === 'string';
const isName = (v: unknown): boolean => typeof v === 'string' && v.length >= 3 && v.length <= 256 && NAME_RE.test(v);

/**
 * True only for bodies WriteRecordsRequestSchema accepts unchanged, so the body is its
 * own parsed value (it may say false for some the schema accepts; those go through zod).
 */
export function isWriteRecordsRequest(b: unknown): b is WriteRecordsRequest {
  if (!isObj(b) || !onlyRequestKeys(b) || !isName(b.DatabaseName) || !isName(b.TableName)) return false;
  if (b.CommonAttributes !== undefined && !isWireRecord(b.CommonAttributes)) return false;
  const recs = b.Records;
  if (!Array.isArray(recs) || recs.length < 1 || recs.length > MAX_RECORDS_PER_WRITE) return false;
  for (const r of recs) if (!isWireRecord(r)) return false;
  return true;
}

function isWireRecord(r: unknown): boolean {
  if (!isObj(r) || !onlyRecordKeys(r)) return false;
  if (!optStr(r.MeasureName) || !optStr(r.MeasureValue) || !optStr(r.MeasureValueType) || !optStr(r.Time)) return false;
  if (r.TimeUnit !== undefined && !(TIME_UNITS as readonly unknown[]).includes(r.TimeUnit)) return false;
  if (r.Version !== undefined && !Number.isSafeInteger(r.Version)) return false;
  return isList(r.Dimensions, isDimension) && isList(r.MeasureValues, isMeasureValue);
}

/** An absent list, or an array whose every item passes `item`. */
function isList(v: unknown, item: (x: unknown) => boolean): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v)) return false;
  for (const x of v) if (!item(x)) return false;
  return true;
}

function isDimension(d: unknown): boolean {
  if (!isObj(d) || !onlyDimensionKeys(d) || typeof d.Name !== 'string' || typeof d.Value !== 'string') return false;
  return d.DimensionValueType === undefined || d.DimensionValueType === 'VARCHAR';
}

function isMeasureValue(m: unknown): boolean {
  return isObj(m) && onlyMeasureValueKeys(m) && typeof m.Name === 'string' && typeof m.Value === 'string' && typeof m.Type === 'string';
}
