/**
 * Bounds on what the IoT SQL engine parses and evaluates, so that no rule query and
 * no message payload can make it recurse until the stack runs out. AWS documents no
 * nesting or length limit for a rule's `sql` (API_TopicRulePayload) nor a payload
 * nesting limit for the rules engine; these are the local engine's, set far beyond
 * any real rule or telemetry payload and far below what the recursive parser and
 * evaluator can take (JSON.stringify alone overflows near 4,000 levels).
 */
import { PulsepetError } from '../../protocol/errors';
import type { Expr } from './ast';
import { sqlError } from './lexer';

/**
 * Deepest expression nesting of a rule query: parentheses, NOT and unary minus each
 * add a level while parsing, and every operator, call or literal a level of the
 * tree (`a + b + c` is two levels: the parser nests chains to the left).
 */
export const MAX_SQL_DEPTH = 128;

/** Longest rule query (or substitution template) the parser reads, in characters. */
export const MAX_SQL_LENGTH = 256 * 1024;

/**
 * Deepest JSON payload a rule evaluates. A deeper message is not evaluated: the
 * rules runtime reports it on the rule's error path instead (see local/rules/executor.ts).
 */
export const MAX_PAYLOAD_DEPTH = 256;

/** The message for an expression nested past {@link MAX_SQL_DEPTH}. */
export function depthMessage(): string {
  return `expressions are nested deeper than ${MAX_SQL_DEPTH} levels, the most the local rules engine evaluates`;
}

/**
 * Refuses SQL text of `length` characters past {@link MAX_SQL_LENGTH}, before it is tokenized.
 * @throws PulsepetError `PP_ERR_SQL` naming the limit
 */
export function checkSqlLength(length: number): void {
  if (length <= MAX_SQL_LENGTH) return;
  throw new PulsepetError('PP_ERR_SQL', `the SQL statement is ${length} characters long; the local rules engine accepts at most ${MAX_SQL_LENGTH}`, {
    details: { length, maxLength: MAX_SQL_LENGTH },
  });
}

/** The sub-expressions of one node, in source order. */
function childrenOf(e: Expr): Expr[] {
  switch (e.type) {
    case 'member':
      return [e.object];
    case 'call':
      return e.args;
    case 'cast':
      return [e.expr];
    case 'unary':
      return [e.operand];
    case 'binary':
      return [e.left, e.right];
    case 'case': {
      const out = [e.subject];
      for (const w of e.whens) out.push(w.when, w.result);
      if (e.otherwise !== undefined) out.push(e.otherwise);
      return out;
    }
    case 'object':
      return e.entries.map((x) => x.value);
    case 'array':
      return e.items;
    default:
      return [];
  }
}

/**
 * Refuses an expression tree deeper than {@link MAX_SQL_DEPTH} (long operator chains
 * build deep trees without deep parsing). Iterative, so it is safe at any depth.
 * @throws PulsepetError `PP_ERR_SQL` at the position of the first node past the limit
 */
export function checkExprDepth(root: Expr, source: string): void {
  const nodes: Expr[] = [root];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const e = nodes.pop() as Expr;
    const depth = depths.pop() as number;
    if (depth > MAX_SQL_DEPTH) throw sqlError(source, e.pos, depthMessage());
    for (const c of childrenOf(e)) {
      nodes.push(c);
      depths.push(depth + 1);
    }
  }
}
