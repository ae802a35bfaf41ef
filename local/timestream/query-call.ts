import { validationError } from './errors';
import type { Expr } from './query-parser';

/** The types and helpers every translated function call shares. */

export type SqlType = 'TIMESTAMP' | 'DOUBLE' | 'BIGINT' | 'VARCHAR' | 'BOOLEAN' | 'INTERVAL' | 'UNKNOWN';

/** A translated expression: DuckDB SQL text, its Timestream type, and whether it aggregates. */
export interface Typed {
  sql: string;
  type: SqlType;
  agg: boolean;
}

export type CallExpr = Extract<Expr, { k: 'call' }>;

/** True for the numeric types (UNKNOWN, a NULL literal, fits any). */
export const NUMERIC = (t: SqlType): boolean => t === 'DOUBLE' || t === 'BIGINT' || t === 'UNKNOWN';

/** A call being translated: the call, its arguments translated on demand, and the query's `now()` in ns. */
export interface ScalarCall {
  e: CallExpr;
  args: () => Typed[];
  expr: (x: Expr) => Typed;
  nowNs: bigint;
}

/** Translates one scalar function call. */
export type ScalarTranslator = (c: ScalarCall) => Typed;

/**
 * Checks a call's argument count.
 * @throws TimestreamError('ValidationException') naming the function and the counts
 */
export function arity(e: CallExpr, min: number, max = min): void {
  if (e.args.length < min || e.args.length > max) {
    throw validationError(`Function ${e.name} expects ${min === max ? min : `${min}..${max}`} argument(s), got ${e.args.length}.`);
  }
}

/** The one argument of a call, translated and of `type`; `expects` says what the function takes. */
export function oneArg(c: ScalarCall, type: SqlType, expects: string): Typed {
  arity(c.e, 1);
  const [x] = c.args();
  if (x!.type !== type) throw validationError(`${c.e.name}() expects ${expects}.`);
  return x!;
}

/** CAST targets of Timestream's SQL, by the type name a query uses. */
export const CAST_TARGETS: Record<string, SqlType> = {
  double: 'DOUBLE',
  real: 'DOUBLE',
  bigint: 'BIGINT',
  integer: 'BIGINT',
  int: 'BIGINT',
  varchar: 'VARCHAR',
  boolean: 'BOOLEAN',
};
/** The DuckDB type a value of each type is cast to in the select list. */
export const DUCK_CAST: Partial<Record<SqlType, string>> = {
  TIMESTAMP: 'BIGINT',
  DOUBLE: 'DOUBLE',
  BIGINT: 'BIGINT',
  VARCHAR: 'VARCHAR',
  BOOLEAN: 'BOOLEAN',
};
