/**
 * IoT SQL values and the standard conversions.
 * https://docs.aws.amazon.com/iot/latest/developerguide/iot-sql-data-types.html
 *
 * `Undefined` is a value of its own (a missing key, a function called with bad
 * arguments) and is distinct from JSON `null`; it is dropped from JSON output.
 */

/** The IoT SQL `Undefined` value. Distinct from `null` (SQL `Null`). */
export const UNDEFINED: unique symbol = Symbol('iot-sql-undefined');
export type Undefined = typeof UNDEFINED;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Any value an IoT SQL expression can produce. Arrays/objects hold JSON values only. */
export type SqlValue = JsonValue | Undefined;

export type SqlType = 'Int' | 'Decimal' | 'Boolean' | 'String' | 'Array' | 'Object' | 'Null' | 'Undefined';

/**
 * The type of a value. With SQL 2016-03-23 whole numbers such as `10.0` are
 * `Int` (iot-sql-data-types, Decimal row), so a JS number is `Int` iff integral.
 */
export function sqlTypeOf(v: SqlValue): SqlType {
  if (v === UNDEFINED) return 'Undefined';
  if (v === null) return 'Null';
  switch (typeof v) {
    case 'boolean':
      return 'Boolean';
    case 'string':
      return 'String';
    case 'number':
      return Number.isInteger(v) ? 'Int' : 'Decimal';
    default:
      return Array.isArray(v) ? 'Array' : 'Object';
  }
}

export function isNumber(v: SqlValue): v is number {
  return typeof v === 'number';
}

export function isObject(v: SqlValue): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strings AWS converts to Decimal (iot-sql-data-types, "To Decimal", String row). */
const DECIMAL_STRING_RE = /^-?\d+(\.\d+)?([eE]-?\d+)?$/;

/** Standard conversion to Decimal: Null stays Null; unconvertible values are Undefined. */
export function toDecimal(v: SqlValue): number | null | Undefined {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (!DECIMAL_STRING_RE.test(v)) return UNDEFINED;
    const n = Number(v);
    return Number.isFinite(n) ? n : UNDEFINED;
  }
  return UNDEFINED;
}

/** Numeric operand for operators/functions: Int, Decimal or a convertible String; else Undefined. */
export function toNumberOperand(v: SqlValue): number | Undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const d = toDecimal(v);
    return typeof d === 'number' ? d : UNDEFINED;
  }
  return UNDEFINED;
}

/** Standard conversion to Boolean (iot-sql-data-types, "To Boolean"). */
export function toBoolean(v: SqlValue): boolean | Undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const l = v.toLowerCase();
    if (l === 'true') return true;
    if (l === 'false') return false;
  }
  return UNDEFINED;
}

/** Standard conversion to String (iot-sql-data-types, "To String"); Null and Undefined give Undefined. */
export function toSqlString(v: SqlValue): string | Undefined {
  if (v === UNDEFINED || v === null) return UNDEFINED;
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return String(v);
    default:
      return JSON.stringify(v);
  }
}

/**
 * Deep equality used by `=`, `<>` and CASE. Returns Undefined when either side is
 * Undefined; mismatched types are unequal (iot-sql-operators, `=` table).
 */
export function sqlEquals(a: SqlValue, b: SqlValue): boolean | Undefined {
  if (a === UNDEFINED || b === UNDEFINED) return UNDEFINED;
  return jsonEquals(a, b);
}

function jsonEquals(a: JsonValue, b: JsonValue): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b) return false;
  if (typeof a !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEquals(x, b[i] as JsonValue));
  }
  const bo = b as { [key: string]: JsonValue };
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && jsonEquals(a[k] as JsonValue, bo[k] as JsonValue));
}

/**
 * Serializes a SELECT result as IoT Core does: Undefined keys are omitted from
 * objects, and an Undefined value serialized by itself becomes the empty string.
 */
export function serializeSqlValue(v: SqlValue): string {
  if (v === UNDEFINED) return '';
  return JSON.stringify(v);
}

/** Converts parsed JSON into an SqlValue (identity, typed). */
export function fromJson(v: unknown): SqlValue {
  return v as JsonValue;
}

/** Digits after the decimal point in a number's shortest representation; undefined in exponent form. */
function decimalPlaces(n: number): number | undefined {
  const t = String(n);
  if (t.includes('e')) return undefined;
  const dot = t.indexOf('.');
  return dot < 0 ? 0 : t.length - dot - 1;
}

/**
 * AWS evaluates Decimal arithmetic in decimal (34 digits), so `0.1 + 0.2` is `0.3`.
 * For `+`, `-`, `%` (places = max of the operands') and `*` (sum of the operands')
 * the exact decimal result has a known number of places; rounding the double result
 * to it removes binary artifacts whenever that result fits in a double's precision.
 */
export function decimalExact(result: number, a: number, b: number, op: '+' | '-' | '*' | '%'): number {
  if (!Number.isFinite(result) || (Number.isInteger(a) && Number.isInteger(b))) return result;
  const da = decimalPlaces(a);
  const db = decimalPlaces(b);
  if (da === undefined || db === undefined) return result;
  const places = op === '*' ? da + db : Math.max(da, db);
  if (places > 15) return result;
  return Number(result.toFixed(places));
}
