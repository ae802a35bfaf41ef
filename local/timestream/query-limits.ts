/**
 * Bounds on the Timestream SQL the local store parses, so no query can make the
 * recursive-descent parser or the translator recurse until the stack runs out.
 * Timestream documents the QueryString length (API_query_Query: at most 262,144
 * characters) but no nesting limit; the local one is far beyond any real query and
 * far below what the parser, the translator and DuckDB (whose own expression depth
 * limit is 1,000) can take.
 */
import { type TimestreamError, validationError } from './errors';
import type { Expr } from './query-parser';

/** QueryString length limit: https://docs.aws.amazon.com/timestream/latest/developerguide/API_query_Query.html */
export const MAX_QUERY_LENGTH = 262_144;

/**
 * Deepest expression nesting of a query: parentheses, NOT and unary minus each add
 * a level while parsing, and every operator or call a level of the tree
 * (`a + b + c` is two levels: chains nest to the left).
 */
export const MAX_QUERY_DEPTH = 128;

/**
 * The ValidationException for an expression nested past {@link MAX_QUERY_DEPTH}.
 * @param pos 0-based offset of the expression, reported 1-based as the parser does
 */
export function queryTooDeep(pos: number | undefined): TimestreamError {
  const where = pos === undefined ? 'line 1' : `line 1:${pos + 1}`;
  return validationError(`${where}: expressions are nested deeper than ${MAX_QUERY_DEPTH} levels, the most the local Timestream store accepts`, 'PP_ERR_SQL');
}

/**
 * Refuses a QueryString longer than {@link MAX_QUERY_LENGTH}, before it is tokenized.
 * @throws TimestreamError ValidationException naming the limit
 */
export function checkQueryLength(sql: string): void {
  if (sql.length > MAX_QUERY_LENGTH) {
    throw validationError(`QueryString is ${sql.length} characters long; the maximum is ${MAX_QUERY_LENGTH}.`);
  }
}

/** The sub-expressions of one node. */
function childrenOf(e: Expr): Expr[] {
  switch (e.k) {
    case 'bin':
      return [e.l, e.r];
    case 'not':
    case 'neg':
    case 'isnull':
    case 'cast':
      return [e.e];
    case 'between':
      return [e.e, e.lo, e.hi];
    case 'in':
      return [e.e, ...e.list];
    case 'like':
      return [e.e, e.pattern];
    case 'call':
      return e.args;
    default:
      return [];
  }
}

/**
 * Refuses an expression tree deeper than {@link MAX_QUERY_DEPTH} (long operator
 * chains build deep trees without deep parsing). Iterative, so safe at any depth.
 * @throws TimestreamError ValidationException naming the limit
 */
export function checkQueryDepth(root: Expr): void {
  const nodes: Expr[] = [root];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const e = nodes.pop() as Expr;
    const depth = depths.pop() as number;
    if (depth > MAX_QUERY_DEPTH) throw queryTooDeep(e.k === 'col' || e.k === 'call' ? e.pos : undefined);
    for (const c of childrenOf(e)) {
      nodes.push(c);
      depths.push(depth + 1);
    }
  }
}
