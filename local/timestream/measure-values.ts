import { RecordRejection } from './errors';

/**
 * Measure value types and their parsing
 * (https://docs.aws.amazon.com/timestream/latest/developerguide/writes.html#writes.data-types):
 * a record's value text becomes a typed scalar, or the record is rejected.
 */

export const SCALAR_TYPES = ['DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN', 'TIMESTAMP'] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];

/** A typed measure value: DOUBLE → number, BIGINT → number when exact else bigint, TIMESTAMP → bigint ns. */
export type MeasureScalar = number | bigint | string | boolean;

/** VARCHAR measure values: at most 2 KB (developerguide ts-limits). */
const MAX_VARCHAR_BYTES = 2048;
const BIGINT_MAX = 9_223_372_036_854_775_807n;
const BIGINT_MIN = -9_223_372_036_854_775_808n;

/** UTF-8 length, which the Timestream size quotas count. */
export const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * Parses one measure value of `type`; `measure` names it in rejection reasons and
 * `unitNs` scales a TIMESTAMP to ns.
 * @throws RecordRejection when the text is not a value of that type
 */
export function parseScalar(type: ScalarType, raw: string, measure: string, unitNs: bigint): MeasureScalar {
  switch (type) {
    case 'DOUBLE':
      return parseDouble(raw, measure);
    case 'BIGINT':
    case 'TIMESTAMP':
      return parseInteger(type, raw, measure, unitNs);
    case 'BOOLEAN': {
      const l = raw.toLowerCase();
      if (l !== 'true' && l !== 'false') throw new RecordRejection(`Measure '${measure}': '${raw}' is not a valid BOOLEAN.`);
      return l === 'true';
    }
    case 'VARCHAR':
      if (utf8Bytes(raw) > MAX_VARCHAR_BYTES) throw new RecordRejection(`Measure '${measure}' exceeds ${MAX_VARCHAR_BYTES} bytes.`);
      return raw;
  }
}

function parseDouble(raw: string, measure: string): number {
  // only a string that starts with white space can be blank: skip trim() otherwise
  const c0 = raw.charCodeAt(0);
  const blank = raw.length === 0 || ((c0 <= 32 || c0 >= 0x80) && raw.trim() === '');
  const n = blank ? Number.NaN : Number(raw);
  if (!Number.isFinite(n)) throw new RecordRejection(`Measure '${measure}': '${raw}' is not a valid DOUBLE.`);
  return n;
}

function parseInteger(type: 'BIGINT' | 'TIMESTAMP', raw: string, measure: string, unitNs: bigint): MeasureScalar {
  if (!/^-?\d{1,19}$/.test(raw)) throw new RecordRejection(`Measure '${measure}': '${raw}' is not a valid ${type}.`);
  // up to 15 digits is exact as a number: no bigint on the common path (same canonical text)
  if (type === 'BIGINT' && raw.length <= 15) return Number(raw) + 0;
  const v = BigInt(raw);
  if (v > BIGINT_MAX || v < BIGINT_MIN) throw new RecordRejection(`Measure '${measure}': '${raw}' is out of range for ${type}.`);
  return type === 'TIMESTAMP' ? v * unitNs : v;
}

/**
 * The scalar type a record names (DOUBLE when it names none); `what` names the measure.
 * @throws RecordRejection for a type Timestream does not store (MULTI is handled by the caller)
 */
export function asScalarType(t: string | undefined, what: string): ScalarType {
  const v = t ?? 'DOUBLE';
  if ((SCALAR_TYPES as readonly string[]).includes(v)) return v as ScalarType;
  throw new RecordRejection(`${what}: unsupported MeasureValueType '${v}'.`);
}
