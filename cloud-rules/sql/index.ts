import type { SelectStatement } from './ast';
import { evaluateStatement, messageEnv, type RuleOutput } from './evaluator';
import type { EvalContext } from './functions';
import { parseStatement } from './parser';

export type { Expr, SelectStatement } from './ast';
export { evaluate, evaluateStatement, messageEnv, outputBytes, type MessageEnv, type RuleOutput } from './evaluator';
export { type EvalContext, SUPPORTED_FUNCTIONS } from './functions';
export { MAX_PAYLOAD_DEPTH, MAX_SQL_DEPTH, MAX_SQL_LENGTH } from './limits';
export { parseExpression, parseStatement } from './parser';
export { topicMatches, validateTopicFilter } from './topic-filter';
export { type JsonValue, serializeSqlValue, type SqlValue, sqlTypeOf, UNDEFINED } from './values';

/** A rule query ready to run. */
export interface CompiledRule {
  readonly sql: string;
  readonly topicFilter: string;
  readonly statement: SelectStatement;
  /** Evaluates one message: undefined when WHERE is not true, else the outgoing payload. */
  evaluate(payload: Buffer, ctx: EvalContext): RuleOutput | undefined;
}

/**
 * Parses IoT SQL (2016-03-23 subset, see cloud-rules/README.md). Throws
 * PulsepetError `PP_ERR_SQL` whose message names the line/column of the problem.
 *
 * @example
 * const rule = compileRule("SELECT color AS c FROM 'a/b' WHERE temperature > 50");
 * const out = rule.evaluate(Buffer.from('{"color":"red","temperature":60}'), { topic: 'a/b', timestamp: Date.now() });
 * // out = { kind: 'json', value: { c: 'red' } }
 */
export function compileRule(sql: string): CompiledRule {
  const statement = parseStatement(sql);
  return {
    sql,
    topicFilter: statement.topicFilter,
    statement,
    evaluate: (payload, ctx) => evaluateStatement(statement, messageEnv(payload, ctx)),
  };
}
