import type { IotTopicRuleConfig, IotTopicRuleErrorAction } from '@cdktf/provider-aws/lib/iot-topic-rule';
import type { Action, RuleDefinition } from '../cloud-rules/rules';
import { terraformLiteral } from './terraform-escape';

/**
 * A rule of cloud-rules/ as `aws_iot_topic_rule` arguments: the TopicRulePayload's SQL,
 * SQL version, state, description, actions and errorAction, with every string
 * Terraform would read as a template escaped (substitution templates such as
 * `${topic(5)}` stay templates for IoT Core). An action type the resource cannot carry
 * fails the synthesis instead of being left out.
 * https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iot_topic_rule
 */
export type TopicRuleArgs = Pick<IotTopicRuleConfig, 'name' | 'sql' | 'sqlVersion' | 'enabled' | 'description' | 'lambda' | 'republish' | 'timestream' | 'errorAction'>;

type ActionArgs = Required<Pick<IotTopicRuleConfig, 'lambda' | 'republish' | 'timestream'>>;
type LambdaArgs = { functionArn: string };
type RepublishArgs = { roleArn: string; topic: string; qos?: number };
type TimestreamArgs = {
  roleArn: string;
  databaseName: string;
  tableName: string;
  dimension: { name: string; value: string }[];
  timestamp?: { unit: string; value: string };
};

export function topicRuleArgs(rule: RuleDefinition): TopicRuleArgs {
  const p = rule.topicRulePayload;
  const lambda: LambdaArgs[] = [];
  const republish: RepublishArgs[] = [];
  const timestream: TimestreamArgs[] = [];
  for (const a of p.actions) {
    const [type, args] = actionArgs(rule.ruleName, a);
    if (type === 'lambda') lambda.push(args as LambdaArgs);
    else if (type === 'republish') republish.push(args as RepublishArgs);
    else timestream.push(args as TimestreamArgs);
  }
  const errorAction = p.errorAction === undefined ? undefined : errorActionArgs(rule.ruleName, p.errorAction);
  return {
    name: rule.ruleName,
    sql: terraformLiteral(p.sql),
    sqlVersion: p.awsIotSqlVersion ?? '2015-10-08',
    enabled: p.ruleDisabled !== true,
    ...(p.description === undefined ? {} : { description: terraformLiteral(p.description) }),
    ...(lambda.length > 0 ? { lambda } : {}),
    ...(republish.length > 0 ? { republish } : {}),
    ...(timestream.length > 0 ? { timestream } : {}),
    ...(errorAction === undefined ? {} : { errorAction }),
  };
}

/** The errorAction block: the same action types, one block. */
function errorActionArgs(ruleName: string, action: Action): IotTopicRuleErrorAction {
  const [type, args] = actionArgs(ruleName, action);
  return { [type]: args } as IotTopicRuleErrorAction;
}

/** One action as its Terraform block; the type names the block. */
function actionArgs(ruleName: string, action: Action): [keyof ActionArgs, LambdaArgs | RepublishArgs | TimestreamArgs] {
  const [type, ...more] = Object.keys(action);
  if (more.length > 0 || type === undefined) throw new Error(`rule ${ruleName}: an action must name exactly one type, got ${Object.keys(action).join(', ')}`);
  if (action.lambda !== undefined) return ['lambda', { functionArn: action.lambda.functionArn }];
  if (action.republish !== undefined) {
    const r = action.republish;
    if (r.headers !== undefined) throw new Error(`rule ${ruleName}: aws_iot_topic_rule's republish block has no MQTT 5 headers`);
    return ['republish', { roleArn: r.roleArn, topic: terraformLiteral(r.topic), ...(r.qos === undefined ? {} : { qos: r.qos }) }];
  }
  if (action.timestream !== undefined) {
    const t = action.timestream;
    return [
      'timestream',
      {
        roleArn: t.roleArn,
        databaseName: t.databaseName,
        tableName: t.tableName,
        dimension: t.dimensions.map((d) => ({ name: d.name, value: terraformLiteral(d.value) })),
        ...(t.timestamp === undefined ? {} : { timestamp: { unit: t.timestamp.unit, value: terraformLiteral(t.timestamp.value) } }),
      },
    ];
  }
  throw new Error(`rule ${ruleName}: action type ${type} is not deployed by infra (lambda, republish and timestream are)`);
}
