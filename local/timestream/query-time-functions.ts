import { unsupportedSql, validationError } from './errors';
import { arity, oneArg, type ScalarTranslator } from './query-call';

/**
 * Timestream's date/time functions over epoch-ns timestamps
 * (https://docs.aws.amazon.com/timestream/latest/developerguide/date-time-functions.html).
 */

const TRUNC_UNITS: Record<string, bigint> = {
  second: 1_000_000_000n,
  minute: 60_000_000_000n,
  hour: 3_600_000_000_000n,
  day: 86_400_000_000_000n,
};

/** `x` floored to a multiple of `size` ns (also for times before 1970). */
const floorTo = (x: string, size: string | bigint): string => `(${x} - ((${x} % ${size}) + ${size}) % ${size})`;

const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses `'2024-01-02 03:04:05[.fff…]'` (UTC) into epoch ns, for comparisons with `time`. */
export function timestampLiteral(s: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?)?Z?$/.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}Z`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[3] ?? '').padEnd(9, '0') || '0');
}

/** The date/time functions, by lower-case name. */
export const TIME_FUNCTIONS: Record<string, ScalarTranslator> = {
  now({ e, nowNs }) {
    arity(e, 0);
    return { sql: nowNs.toString(), type: 'TIMESTAMP', agg: false };
  },
  ago(c) {
    const d = oneArg(c, 'INTERVAL', 'a duration literal such as 15m');
    return { sql: (c.nowNs - BigInt(d.sql)).toString(), type: 'TIMESTAMP', agg: false };
  },
  bin({ e, args }) {
    arity(e, 2);
    const [x, d] = args();
    if (x!.type !== 'TIMESTAMP' || d!.type !== 'INTERVAL') throw validationError('bin() expects (timestamp, duration literal).');
    if (BigInt(d!.sql) <= 0n) throw validationError('bin() needs a positive duration.');
    return { sql: floorTo(x!.sql, d!.sql), type: 'TIMESTAMP', agg: x!.agg };
  },
  date_trunc({ e, expr }) {
    arity(e, 2);
    const unit = e.args[0]!;
    const size = unit.k === 'str' ? TRUNC_UNITS[unit.v.toLowerCase()] : undefined;
    if (size === undefined) throw unsupportedSql(`date_trunc unit ${unit.k === 'str' ? `'${unit.v}'` : '(non-literal)'}`);
    const x = expr(e.args[1]!);
    if (x.type !== 'TIMESTAMP') throw validationError('date_trunc() expects a timestamp.');
    return { sql: floorTo(x.sql, size), type: 'TIMESTAMP', agg: x.agg };
  },
  to_milliseconds(c) {
    const x = oneArg(c, 'TIMESTAMP', 'a timestamp');
    return { sql: `(${x.sql} // 1000000)`, type: 'BIGINT', agg: x.agg };
  },
  to_unixtime(c) {
    const x = oneArg(c, 'TIMESTAMP', 'a timestamp');
    return { sql: `(${x.sql} / 1e9)`, type: 'DOUBLE', agg: x.agg };
  },
  from_iso8601_timestamp({ e }) {
    arity(e, 1);
    const lit = e.args[0]!;
    // a date-time without an offset is UTC, Timestream's session time zone (Date.parse
    // would read it in the process's local zone); a date alone is UTC for Date.parse too
    const iso = lit.k === 'str' ? lit.v : '';
    const m = ISO_DATE_RE.exec(iso);
    const ms = m === null ? Number.NaN : Date.parse(m[1] !== undefined && m[2] === undefined ? `${iso}Z` : iso);
    if (Number.isNaN(ms)) throw validationError('from_iso8601_timestamp() expects an ISO 8601 string literal.');
    return { sql: (BigInt(ms) * 1_000_000n).toString(), type: 'TIMESTAMP', agg: false };
  },
  to_iso8601(c) {
    const x = oneArg(c, 'TIMESTAMP', 'a timestamp');
    return { sql: `strftime(make_timestamp(${x.sql} // 1000), '%Y-%m-%dT%H:%M:%S.%gZ')`, type: 'VARCHAR', agg: x.agg };
  },
  from_milliseconds(c) {
    const x = oneArg(c, 'BIGINT', 'a bigint');
    return { sql: `(${x.sql} * 1000000)`, type: 'TIMESTAMP', agg: x.agg };
  },
};
