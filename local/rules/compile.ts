import { type Action, RULE_NAME_RE, type TopicRulePayload, TopicRulePayloadSchema } from '../../cloud-rules/topic-rule-payload';
import { type CompiledRule, compileRule } from '../../cloud-rules/sql/index';
import { compileTemplate, type Template } from '../../cloud-rules/substitution';
import { isPulsepetError } from '../../protocol/errors';
import { topicRuleError } from './errors';

/** SQL versions CreateTopicRule accepts; AWS stores 2015-10-08 when none is given. */
export const SQL_VERSIONS = ['2015-10-08', '2016-03-23', 'beta'] as const;
export const DEFAULT_SQL_VERSION = '2015-10-08';

/** Templates of one action, parsed once at rule creation. */
export interface CompiledAction {
  /** API_Action key: lambda, republish, timestream, or a type the local runtime cannot run */
  type: string;
  action: Action;
  templates: Map<string, Template>;
}

export interface CompiledTopicRule {
  ruleName: string;
  payload: TopicRulePayload;
  query: CompiledRule;
  actions: CompiledAction[];
  errorAction: CompiledAction | undefined;
}

/** Validates a rule name (CreateTopicRule ruleName pattern). */
export function assertRuleName(ruleName: string): void {
  if (!RULE_NAME_RE.test(ruleName)) {
    throw topicRuleError('InvalidRequestException', `ruleName ${JSON.stringify(ruleName)} must match ${RULE_NAME_RE.source}`);
  }
}

/**
 * Validates a TopicRulePayload as CreateTopicRule would: shape (InvalidRequestException),
 * SQL (SqlParseException with the position of the problem), and every substitution
 * template in the actions (InvalidRequestException naming the field).
 */
export function compileTopicRule(ruleName: string, raw: unknown): CompiledTopicRule {
  assertRuleName(ruleName);
  const parsed = TopicRulePayloadSchema.safeParse(raw);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `topicRulePayload.${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw topicRuleError('InvalidRequestException', msg);
  }
  const payload: TopicRulePayload = { ...parsed.data, awsIotSqlVersion: parsed.data.awsIotSqlVersion ?? DEFAULT_SQL_VERSION };
  if (!(SQL_VERSIONS as readonly string[]).includes(payload.awsIotSqlVersion as string)) {
    throw topicRuleError('InvalidRequestException', `awsIotSqlVersion must be one of ${SQL_VERSIONS.join(', ')}`);
  }
  let query: CompiledRule;
  try {
    query = compileRule(payload.sql);
  } catch (e) {
    if (isPulsepetError(e, 'PP_ERR_SQL')) throw topicRuleError('SqlParseException', e.message, e);
    throw e;
  }
  return {
    ruleName,
    payload,
    query,
    actions: payload.actions.map((a, i) => compileAction(a, `actions.${i}`)),
    errorAction: payload.errorAction === undefined ? undefined : compileAction(payload.errorAction, 'errorAction'),
  };
}

/** Which fields of each action support substitution templates (the action pages, "Supports substitution templates"). */
function templateFields(type: string, action: Action): Array<[string, string]> {
  if (type === 'lambda' && action.lambda) return [['functionArn', action.lambda.functionArn]];
  if (type === 'republish' && action.republish) return [['topic', action.republish.topic]];
  if (type === 'timestream' && action.timestream) {
    const t = action.timestream;
    const out: Array<[string, string]> = [
      ['databaseName', t.databaseName],
      ['tableName', t.tableName],
      ...t.dimensions.map((d, i): [string, string] => [`dimensions.${i}.value`, d.value]),
    ];
    if (t.timestamp) out.push(['timestamp.value', t.timestamp.value]);
    return out;
  }
  return [];
}

function compileAction(action: Action, path: string): CompiledAction {
  const type = Object.keys(action)[0] as string;
  const templates = new Map<string, Template>();
  for (const [field, source] of templateFields(type, action)) {
    try {
      templates.set(field, compileTemplate(source));
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw topicRuleError('InvalidRequestException', `${path}.${type}.${field}: invalid substitution template: ${msg}`, e);
    }
  }
  return { type, action, templates };
}
