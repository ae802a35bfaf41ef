import { unsupportedSql, validationError } from './errors';
import type { Expr } from './query-parser';

/**
 * Scalar functions of the Timestream SQL subset, translated to DuckDB over epoch-ns
 * timestamps (https://docs.aws.amazon.com/timestream/latest/developerguide/date-time-functions.html,
 * .../mathematical-functions.html). Aggregates live in the translator.
 */

export type SqlType = 'TIMESTAMP' | 'DOUBLE' | 'BIGINT' | 'VARCHAR' | 'BOOLEAN' | 'INTERVAL' | 'UNKNOWN';

/** A translated expression: DuckDB SQL text, its Timestream type, and whether it aggregates. */
export interface Typed {
  sql: string;
  type: SqlType;
  agg: boolean;
}

export type CallExpr = Extract<Expr, { k: 'call' }>;

export const NUMERIC = (t: SqlType): boolean => t === 'DOUBLE' || t === 'BIGINT' || t === 'UNKNOWN';
const DOUBLE_MATH: Record<string, string> = { ln: 'ln', log10: 'log10', exp: 'exp', sqrt: 'sqrt' };
const SAME_TYPE_MATH: Record<string, string> = { abs: 'abs', floor: 'floor', ceil: 'ceil', ceiling: 'ceil' };
const TRUNC_UNITS: Record<string, bigint> = {
  second: 1_000_000_000n,
  minute: 60_000_000_000n,
  hour: 3_600_000_000_000n,
  day: 86_400_000_000_000n,
};

export function arity(e: CallExpr, min: number, max = min): void {
  if (e.args.length < min || e.args.length > max) {
    throw validationError(`Function ${e.name} expects ${min === max ? min : `${min}..${max}`} argument(s), got ${e.args.length}.`);
  }
}

/**
 * Translates a non-aggregate call; `expr` translates an argument in the caller's context.
 * `now()` is the query's start time in epoch ns.
 */
export function translateScalarCall(e: CallExpr, expr: (x: Expr) => Typed, nowNs: bigint): Typed {
  const name = e.name;
  const args = (): Typed[] => e.args.map((a) => expr(a));
  const anyAgg = (xs: Typed[]): boolean => xs.some((x) => x.agg);
  switch (name) {
    case 'now':
      arity(e, 0);
      return { sql: nowNs.toString(), type: 'TIMESTAMP', agg: false };
    case 'ago': {
      arity(e, 1);
      const [d] = args();
      if (d!.type !== 'INTERVAL') throw validationError('ago() expects a duration literal such as 15m.');
      return { sql: (nowNs - BigInt(d!.sql)).toString(), type: 'TIMESTAMP', agg: false };
    }
    case 'bin': {
      arity(e, 2);
      const [x, d] = args();
      if (x!.type !== 'TIMESTAMP' || d!.type !== 'INTERVAL') throw validationError('bin() expects (timestamp, duration literal).');
      if (BigInt(d!.sql) <= 0n) throw validationError('bin() needs a positive duration.');
      return { sql: `(${x!.sql} - ((${x!.sql} % ${d!.sql}) + ${d!.sql}) % ${d!.sql})`, type: 'TIMESTAMP', agg: x!.agg };
    }
    case 'date_trunc': {
      arity(e, 2);
      const unit = e.args[0]!;
      const size = unit.k === 'str' ? TRUNC_UNITS[unit.v.toLowerCase()] : undefined;
      if (size === undefined) throw unsupportedSql(`date_trunc unit ${unit.k === 'str' ? `'${unit.v}'` : '(non-literal)'}`);
      const x = expr(e.args[1]!);
      if (x.type !== 'TIMESTAMP') throw validationError('date_trunc() expects a timestamp.');
      return { sql: `(${x.sql} - ((${x.sql} % ${size}) + ${size}) % ${size})`, type: 'TIMESTAMP', agg: x.agg };
    }
    case 'to_milliseconds': {
      arity(e, 1);
      const [x] = args();
      if (x!.type !== 'TIMESTAMP') throw validationError('to_milliseconds() expects a timestamp.');
      return { sql: `(${x!.sql} // 1000000)`, type: 'BIGINT', agg: x!.agg };
    }
    case 'to_unixtime': {
      arity(e, 1);
      const [x] = args();
      if (x!.type !== 'TIMESTAMP') throw validationError('to_unixtime() expects a timestamp.');
      return { sql: `(${x!.sql} / 1e9)`, type: 'DOUBLE', agg: x!.agg };
    }
    case 'from_iso8601_timestamp': {
      arity(e, 1);
      const lit = e.args[0]!;
      const ms = lit.k === 'str' && /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(lit.v) ? Date.parse(lit.v) : Number.NaN;
      if (Number.isNaN(ms)) throw validationError('from_iso8601_timestamp() expects an ISO 8601 string literal.');
      return { sql: (BigInt(ms) * 1_000_000n).toString(), type: 'TIMESTAMP', agg: false };
    }
    case 'to_iso8601': {
      arity(e, 1);
      const [x] = args();
      if (x!.type !== 'TIMESTAMP') throw validationError('to_iso8601() expects a timestamp.');
      return { sql: `strftime(make_timestamp(${x!.sql} // 1000), '%Y-%m-%dT%H:%M:%S.%gZ')`, type: 'VARCHAR', agg: x!.agg };
    }
    case 'from_milliseconds': {
      arity(e, 1);
      const [x] = args();
      if (x!.type !== 'BIGINT') throw validationError('from_milliseconds() expects a bigint.');
      return { sql: `(${x!.sql} * 1000000)`, type: 'TIMESTAMP', agg: x!.agg };
    }
    case 'round': {
      arity(e, 1, 2);
      const xs = args();
      if (!NUMERIC(xs[0]!.type) || (xs[1] && xs[1].type !== 'BIGINT')) throw validationError('round() expects (number[, integer]).');
      return { sql: `round(${xs.map((x) => x.sql).join(', ')})`, type: xs[0]!.type, agg: anyAgg(xs) };
    }
    case 'power':
    case 'pow': {
      arity(e, 2);
      const xs = args();
      if (!xs.every((x) => NUMERIC(x.type))) throw validationError(`${name}() expects numbers.`);
      return { sql: `pow(CAST(${xs[0]!.sql} AS DOUBLE), ${xs[1]!.sql})`, type: 'DOUBLE', agg: anyAgg(xs) };
    }
    case 'coalesce':
    case 'greatest':
    case 'least': {
      if (e.args.length < 1) throw validationError(`${name}() expects at least one argument.`);
      const xs = args();
      const known = xs.filter((x) => x.type !== 'UNKNOWN');
      const type = known.some((x) => x.type === 'DOUBLE') && known.every((x) => NUMERIC(x.type)) ? 'DOUBLE' : (known[0]?.type ?? 'UNKNOWN');
      if (!known.every((x) => x.type === type || (NUMERIC(x.type) && NUMERIC(type)))) throw validationError(`${name}() arguments must share a type.`);
      return { sql: `${name}(${xs.map((x) => x.sql).join(', ')})`, type, agg: anyAgg(xs) };
    }
    case 'lower':
    case 'upper':
    case 'length': {
      arity(e, 1);
      const [x] = args();
      if (x!.type !== 'VARCHAR') throw validationError(`${name}() expects varchar.`);
      return { sql: `${name}(${x!.sql})`, type: name === 'length' ? 'BIGINT' : 'VARCHAR', agg: x!.agg };
    }
    default:
      break;
  }
  const dm = DOUBLE_MATH[name] ?? SAME_TYPE_MATH[name];
  if (dm !== undefined) {
    arity(e, 1);
    const [x] = args();
    if (!NUMERIC(x!.type)) throw validationError(`${name}() expects a number.`);
    const type: SqlType = DOUBLE_MATH[name] !== undefined ? 'DOUBLE' : x!.type;
    return { sql: `${dm}(${x!.sql})`, type, agg: x!.agg };
  }
  throw unsupportedSql(`Function '${name}'`);
}
