import { unsupportedSql, validationError } from './errors';
import type { Expr } from './query-parser';
import { arity, type CallExpr, NUMERIC, oneArg, type ScalarTranslator, type SqlType, type Typed } from './query-call';
import { TIME_FUNCTIONS } from './query-time-functions';

/**
 * Scalar functions of the Timestream SQL subset, translated to DuckDB over epoch-ns
 * timestamps (https://docs.aws.amazon.com/timestream/latest/developerguide/date-time-functions.html,
 * .../mathematical-functions.html, .../string-functions.html). Aggregates live in the translator.
 */

const anyAgg = (xs: Typed[]): boolean => xs.some((x) => x.agg);

/** ln, log10, exp, sqrt: a number in, a DOUBLE out. */
const doubleMath =
  (fn: string): ScalarTranslator =>
  (c) => {
    const x = numericArg(c.e, c.args);
    return { sql: `${fn}(${x.sql})`, type: 'DOUBLE', agg: x.agg };
  };
/** abs, floor, ceil: a number in, the same type out. */
const sameTypeMath =
  (fn: string): ScalarTranslator =>
  (c) => {
    const x = numericArg(c.e, c.args);
    return { sql: `${fn}(${x.sql})`, type: x.type, agg: x.agg };
  };

function numericArg(e: CallExpr, args: () => Typed[]): Typed {
  arity(e, 1);
  const [x] = args();
  if (!NUMERIC(x!.type)) throw validationError(`${e.name}() expects a number.`);
  return x!;
}

/** coalesce, greatest, least: one or more arguments of one type (numbers mix, to DOUBLE if any is). */
const variadic: ScalarTranslator = ({ e, args }) => {
  if (e.args.length < 1) throw validationError(`${e.name}() expects at least one argument.`);
  const xs = args();
  const known = xs.filter((x) => x.type !== 'UNKNOWN');
  const type: SqlType = known.some((x) => x.type === 'DOUBLE') && known.every((x) => NUMERIC(x.type)) ? 'DOUBLE' : (known[0]?.type ?? 'UNKNOWN');
  if (!known.every((x) => x.type === type || (NUMERIC(x.type) && NUMERIC(type)))) throw validationError(`${e.name}() arguments must share a type.`);
  return { sql: `${e.name}(${xs.map((x) => x.sql).join(', ')})`, type, agg: anyAgg(xs) };
};

/** lower, upper, length over a varchar. */
const stringFn =
  (type: SqlType): ScalarTranslator =>
  (c) => {
    const x = oneArg(c, 'VARCHAR', 'varchar');
    return { sql: `${c.e.name}(${x.sql})`, type, agg: x.agg };
  };

const power: ScalarTranslator = ({ e, args }) => {
  arity(e, 2);
  const xs = args();
  if (!xs.every((x) => NUMERIC(x.type))) throw validationError(`${e.name}() expects numbers.`);
  return { sql: `pow(CAST(${xs[0]!.sql} AS DOUBLE), ${xs[1]!.sql})`, type: 'DOUBLE', agg: anyAgg(xs) };
};

/** The scalar functions, by lower-case name. */
const SCALAR_FUNCTIONS: Record<string, ScalarTranslator> = {
  ...TIME_FUNCTIONS,
  round({ e, args }) {
    arity(e, 1, 2);
    const xs = args();
    if (!NUMERIC(xs[0]!.type) || (xs[1] && xs[1].type !== 'BIGINT')) throw validationError('round() expects (number[, integer]).');
    return { sql: `round(${xs.map((x) => x.sql).join(', ')})`, type: xs[0]!.type, agg: anyAgg(xs) };
  },
  power,
  pow: power,
  coalesce: variadic,
  greatest: variadic,
  least: variadic,
  lower: stringFn('VARCHAR'),
  upper: stringFn('VARCHAR'),
  length: stringFn('BIGINT'),
  ln: doubleMath('ln'),
  log10: doubleMath('log10'),
  exp: doubleMath('exp'),
  sqrt: doubleMath('sqrt'),
  abs: sameTypeMath('abs'),
  floor: sameTypeMath('floor'),
  ceil: sameTypeMath('ceil'),
  ceiling: sameTypeMath('ceil'),
};

/**
 * Translates a non-aggregate call; `expr` translates an argument in the caller's context.
 * `now()` is the query's start time in epoch ns.
 * @throws TimestreamError('ValidationException') for bad arguments; PP_ERR_SQL for a function outside the subset
 */
export function translateScalarCall(e: CallExpr, expr: (x: Expr) => Typed, nowNs: bigint): Typed {
  // own keys only: a name like 'constructor' is not a function of the subset
  const translate = Object.hasOwn(SCALAR_FUNCTIONS, e.name) ? SCALAR_FUNCTIONS[e.name] : undefined;
  if (translate === undefined) throw unsupportedSql(`Function '${e.name}'`);
  return translate({ e, args: () => e.args.map((a) => expr(a)), expr, nowNs });
}
