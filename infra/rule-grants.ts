import type { Action, RuleDefinition } from '../cloud-rules/rules';
import { type AwsScope, iotTopicArn, timestreamTableArn } from './arns';
import { type PolicyStatement, wildcardResourceStatement } from './policy';

/**
 * What the rules' role may do, read off the rules themselves: `iot:Publish` on every
 * topic a republish action (or errorAction) names, `timestream:WriteRecords` on every
 * table a Timestream action names. A rule action added in cloud-rules/ widens the role
 * with it; nothing else is granted. A topic with a substitution template is granted as
 * the wildcard it can expand to (`${topic(3)}` → `*`).
 * Actions and their roles: https://docs.aws.amazon.com/iot/latest/developerguide/iot-create-role.html
 *
 * @param roleArn the role these grants are for; an action naming another role is refused
 */
export function ruleRoleStatements(aws: AwsScope, rules: readonly RuleDefinition[], roleArn: string): PolicyStatement[] {
  const topics = new Set<string>();
  const tables = new Set<string>();
  const visit = (ruleName: string, a: Action) => {
    const used = a.republish?.roleArn ?? a.timestream?.roleArn;
    if (used !== undefined && used !== roleArn) throw new Error(`rule ${ruleName} names role ${used}; infra deploys only ${roleArn} for rules`);
    if (a.republish !== undefined) topics.add(iotTopicArn(aws, a.republish.topic.replace(/\$\{[^}]*\}/g, '*')));
    if (a.timestream !== undefined) tables.add(timestreamTableArn(aws, a.timestream.databaseName, a.timestream.tableName));
  };
  for (const r of rules) {
    for (const a of r.topicRulePayload.actions) visit(r.ruleName, a);
    if (r.topicRulePayload.errorAction !== undefined) visit(r.ruleName, r.topicRulePayload.errorAction);
  }
  const statements: PolicyStatement[] = [];
  if (topics.size > 0) statements.push({ Sid: 'Republish', Effect: 'Allow', Action: ['iot:Publish'], Resource: [...topics].sort() });
  if (tables.size > 0) {
    statements.push({ Sid: 'TimestreamWrite', Effect: 'Allow', Action: ['timestream:WriteRecords'], Resource: [...tables].sort() });
    statements.push(wildcardResourceStatement('TimestreamEndpoints', ['timestream:DescribeEndpoints']));
  }
  return statements;
}

/** The functions the rules invoke, each with the rules that invoke it (for Lambda's resource policy). */
export function ruleInvocations(rules: readonly RuleDefinition[]): Map<string, string[]> {
  const byFunction = new Map<string, string[]>();
  for (const r of rules) {
    const actions = [...r.topicRulePayload.actions, ...(r.topicRulePayload.errorAction ? [r.topicRulePayload.errorAction] : [])];
    for (const a of actions) {
      if (a.lambda === undefined) continue;
      const name = functionNameOf(a.lambda.functionArn);
      byFunction.set(name, [...(byFunction.get(name) ?? []), r.ruleName]);
    }
  }
  return byFunction;
}

/** `arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}]` → name. */
export function functionNameOf(functionArn: string): string {
  const m = /^arn:aws:lambda:[^:]+:\d{12}:function:([a-zA-Z0-9-_]{1,64})(:[^:]+)?$/.exec(functionArn);
  if (m?.[1] === undefined) throw new Error(`not a Lambda function ARN: ${functionArn}`);
  return m[1];
}
