import { Testing } from 'cdktf';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Action, pulsepetRules, type RuleDefinition, RULES_ROLE_NAME } from '../cloud-rules/rules';
import { DEVICE_POLICY_NAME, devicePolicyDocument, OPERATOR_POLICY_NAME, operatorPolicyDocument } from '../protocol/policies';
import { PROVISIONING_ROLE_NAME, TIMESTREAM } from '../protocol/resources';
import { DEFAULT_PROVISIONING_ROLE } from '../cli/fleet/template';
import { resourcesOf, resourceWith, statementsOf, type Synthesized, synthesize, TEST_ENV } from '../test/support/infra/synth';
import { connectedDevicesMetricName, THING_TYPE_NAME } from './names';
import { PROVISIONING_MANAGED_POLICY } from './policy';
import { ruleRoleStatements } from './rule-grants';
import { fromTerraformLiteral, terraformLiteral } from './terraform-escape';
import { topicRuleArgs } from './topic-rule';

type Tf = Record<string, unknown>;
const un = (v: unknown) => fromTerraformLiteral(String(v));
const ENV = { region: TEST_ENV.PULSEPET_AWS_REGION, accountId: TEST_ENV.PULSEPET_AWS_ACCOUNT_ID };

/** The Terraform arguments an action block may carry, back as the API's Action. */
function actionOf(type: string, b: Tf): Action {
  if (type === 'lambda') return { lambda: { functionArn: String(b.function_arn) } };
  if (type === 'republish') return { republish: { roleArn: String(b.role_arn), topic: un(b.topic), ...(b.qos === undefined ? {} : { qos: b.qos as 0 | 1 }) } };
  if (type === 'timestream') {
    const ts = b.timestamp as Tf | undefined;
    return {
      timestream: {
        roleArn: String(b.role_arn),
        databaseName: String(b.database_name),
        tableName: String(b.table_name),
        dimensions: (b.dimension as Tf[]).map((d) => ({ name: String(d.name), value: un(d.value) })),
        ...(ts === undefined ? {} : { timestamp: { value: un(ts.value), unit: ts.unit as 'MILLISECONDS' } }),
      },
    };
  }
  throw new Error(`unexpected action block ${type}`);
}

/** A synthesized aws_iot_topic_rule read back as the RuleDefinition it deploys. */
function ruleOf(tf: Tf): RuleDefinition {
  const known = new Set(['name', 'sql', 'sql_version', 'enabled', 'description', 'lambda', 'republish', 'timestream', 'error_action', 'tags', 'depends_on']);
  const unknown = Object.keys(tf).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new Error(`rule ${String(tf.name)} carries arguments the comparison does not read: ${unknown.join(', ')}`);
  const actions = ['lambda', 'republish', 'timestream'].flatMap((type) => ((tf[type] as Tf[] | undefined) ?? []).map((b) => actionOf(type, b)));
  const err = tf.error_action as Record<string, Tf> | undefined;
  const errorEntries = Object.entries(err ?? {});
  return {
    ruleName: String(tf.name),
    topicRulePayload: {
      sql: un(tf.sql),
      ...(tf.description === undefined ? {} : { description: un(tf.description) }),
      awsIotSqlVersion: String(tf.sql_version),
      ruleDisabled: tf.enabled !== true,
      actions,
      ...(errorEntries.length === 1 ? { errorAction: actionOf(errorEntries[0]?.[0] ?? '', errorEntries[0]?.[1] ?? {}) } : {}),
    },
  };
}

/** Order-independent view of a rule's actions (Terraform groups them by type). */
function sortedActions(r: RuleDefinition): RuleDefinition {
  const key = (a: Action) => JSON.stringify(a);
  return { ...r, topicRulePayload: { ...r.topicRulePayload, actions: [...r.topicRulePayload.actions].sort((a, b) => key(a).localeCompare(key(b))) } };
}

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

describe('Stack: iot', () => {
  describe('Rules', () => {
    it('deploys every rule of cloud-rules/ with its SQL, actions and errorAction exactly (no drift)', () => {
      const deployed = Object.values(resourcesOf(s.json.iot, 'aws_iot_topic_rule')).map(ruleOf).map(sortedActions);
      const defined = pulsepetRules(ENV).map(sortedActions);
      expect(deployed.sort((a, b) => a.ruleName.localeCompare(b.ruleName))).toEqual(defined.sort((a, b) => a.ruleName.localeCompare(b.ruleName)));
    });

    it('escapes substitution templates so Terraform passes them to IoT Core untouched', () => {
      const presence = resourceWith(s.json.iot, 'aws_iot_topic_rule', 'name', 'presence_to_timestream');
      const ts = (presence.timestream as Tf[])[0] as Tf;
      expect((ts.dimension as Tf[])[0]).toEqual({ name: 'thing', value: `$\${topic(5)}` });
      expect(ts.timestamp).toEqual({ unit: 'MILLISECONDS', value: `$\${timestamp}` });
    });

    it('reads back with Testing.toHaveResourceWithProperties', () => {
      const ingest = pulsepetRules(ENV).find((r) => r.ruleName === 'ingest_telemetry');
      expect(Testing.toHaveResourceWithProperties(s.raw.iot, 'aws_iot_topic_rule', { name: 'ingest_telemetry', sql: ingest?.topicRulePayload.sql, enabled: true })).toBe(true);
      expect(Testing.toHaveResourceWithProperties(s.raw.iot, 'aws_iot_topic_rule', { name: 'ingest_telemetry', sql: 'SELECT * FROM x' })).toBe(false);
    });

    it('refuses an action type the Terraform resource cannot carry, and MQTT 5 headers', () => {
      const rule = (action: Action): RuleDefinition => ({ ruleName: 'r', topicRulePayload: { sql: "SELECT * FROM 'a'", actions: [action] } });
      expect(() => topicRuleArgs(rule({ sqs: { queueUrl: 'q', roleArn: 'r' } } as Action))).toThrow(/sqs is not deployed/);
      expect(() => topicRuleArgs(rule({ republish: { roleArn: 'r', topic: 't', headers: { a: 1 } } }))).toThrow(/headers/);
    });
  });

  describe('Rules role', () => {
    const role = () => resourceWith(s.json.iot, 'aws_iam_role', 'name', RULES_ROLE_NAME);
    const policy = () => resourceWith(s.json.iot, 'aws_iam_role_policy', 'name', RULES_ROLE_NAME);

    it('is assumed only by IoT rules of this account', () => {
      const [trust] = statementsOf(role().assume_role_policy);
      expect(trust?.Principal).toEqual({ Service: 'iot.amazonaws.com' });
      expect(trust?.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': ENV.accountId }, ArnLike: { 'aws:SourceArn': `arn:aws:iot:${ENV.region}:${ENV.accountId}:rule/*` } });
    });

    it('may publish only to the error topic and write only the tables the rules write', () => {
      const byAction = Object.fromEntries(statementsOf(policy().policy).map((st) => [[st.Action].flat().join(','), st.Resource]));
      expect(byAction).toEqual({
        'iot:Publish': [`arn:aws:iot:${ENV.region}:${ENV.accountId}:topic/pulsepet/errors`],
        'timestream:WriteRecords': [TIMESTREAM.petStateTable, TIMESTREAM.presenceTable].map(
          (t) => `arn:aws:timestream:${ENV.region}:${ENV.accountId}:database/${TIMESTREAM.database}/table/${t}`,
        ),
        'timestream:DescribeEndpoints': '*',
      });
    });

    it('widens with the rules: a new republish topic is granted, a template as a wildcard, another role refused', () => {
      const roleArn = `arn:aws:iam::${ENV.accountId}:role/${RULES_ROLE_NAME}`;
      const extra: RuleDefinition = { ruleName: 'x', topicRulePayload: { sql: "SELECT * FROM 'a'", actions: [{ republish: { roleArn, topic: `out/\${topic(2)}/x` } }] } };
      const publish = ruleRoleStatements(ENV, [extra], roleArn).find((st) => st.Sid === 'Republish');
      expect(publish?.Resource).toEqual([`arn:aws:iot:${ENV.region}:${ENV.accountId}:topic/out/*/x`]);
      expect(() => ruleRoleStatements(ENV, [extra], 'arn:aws:iam::123456789012:role/other')).toThrow(/names role/);
    });
  });

  describe('Policies', () => {
    it.each([
      [DEVICE_POLICY_NAME, devicePolicyDocument()],
      [OPERATOR_POLICY_NAME, operatorPolicyDocument()],
    ])('deploys %s as protocol/ writes it, with Terraform escaping undone', (name, doc) => {
      const deployed = String(resourceWith(s.json.iot, 'aws_iot_policy', 'name', name).policy);
      // the same document, statement for statement and key for key (indented: documentText)
      expect(JSON.stringify(JSON.parse(fromTerraformLiteral(deployed)))).toBe(doc);
      // every policy variable reaches IoT Core as a variable, not a Terraform interpolation
      expect(deployed).not.toMatch(/(?<!\$)\$\{iot:/);
    });

    it('escapes what Terraform would interpolate, and refuses to escape a token', () => {
      expect(terraformLiteral(`a \${iot:ClientId} %{if x}`)).toBe(`a $\${iot:ClientId} %%{if x}`);
      expect(fromTerraformLiteral(terraformLiteral(`x\${a}\${b}`))).toBe(`x\${a}\${b}`);
      expect(() => terraformLiteral(s.stacks.data.database.arn)).toThrow(/token/);
    });
  });

  describe('Registry, logging and fleet indexing', () => {
    it('creates the gateways’ thing type', () => {
      expect(Object.values(resourcesOf(s.json.iot, 'aws_iot_thing_type')).map((t) => t.name)).toEqual([THING_TYPE_NAME]);
    });

    it('logs at the configured level through a role that may write only AWSIotLogsV2', () => {
      const logging = Object.values(resourcesOf(s.json.iot, 'aws_iot_logging_options'));
      expect(logging).toHaveLength(1);
      expect(logging[0]).toMatchObject({ default_log_level: 'ERROR', disable_all_logs: false });
      const resources = statementsOf(resourceWith(s.json.iot, 'aws_iam_role_policy', 'name', 'pp-test-iot-logging').policy).flatMap((st) => [st.Resource].flat());
      expect(resources.every((r) => String(r).startsWith(`arn:aws:logs:${ENV.region}:${ENV.accountId}:log-group:AWSIotLogsV2`))).toBe(true);
      const off = synthesize({ PULSEPET_IOT_LOG_LEVEL: 'DISABLED' });
      expect(Object.values(resourcesOf(off.json.iot, 'aws_iot_logging_options'))[0]).toMatchObject({ disable_all_logs: true });
    });

    it('indexes the registry with connectivity and counts connected things in a fleet metric', () => {
      const [indexing] = Object.values(resourcesOf(s.json.iot, 'aws_iot_indexing_configuration'));
      expect(indexing?.thing_indexing_configuration).toMatchObject({ thing_indexing_mode: 'REGISTRY', thing_connectivity_indexing_mode: 'STATUS' });
      const [cfn] = Object.values(resourcesOf(s.json.iot, 'aws_cloudformation_stack'));
      const metric = (JSON.parse(String(cfn?.template_body)) as { Resources: Record<string, { Type: string; Properties: Tf }> }).Resources.ConnectedDevices;
      expect(metric?.Type).toBe('AWS::IoT::FleetMetric');
      expect(metric?.Properties).toMatchObject({ MetricName: connectedDevicesMetricName(s.config), QueryString: 'connectivity.connected:true', IndexName: 'AWS_Things' });
      expect(cfn?.depends_on).toEqual([expect.stringMatching(/^aws_iot_indexing_configuration\./)]);
    });
  });

  describe('Provisioning role', () => {
    const roles = () => resourcesOf(s.json.iot, 'aws_iam_role');
    const logicalId = () => Object.entries(roles()).find(([, r]) => r.name === PROVISIONING_ROLE_NAME)?.[0];

    it('is named what `fleet template create` names by default, unprefixed in a prefixed deployment', () => {
      expect(DEFAULT_PROVISIONING_ROLE).toBe(PROVISIONING_ROLE_NAME);
      expect(s.config.namePrefix).toBe('pp-test');
      expect(Testing.toHaveResourceWithProperties(s.raw.iot, 'aws_iam_role', { name: DEFAULT_PROVISIONING_ROLE })).toBe(true);
      expect(Testing.toHaveResourceWithProperties(s.raw.iot, 'aws_iam_role', { name: `pp-test-${DEFAULT_PROVISIONING_ROLE}` })).toBe(false);
    });

    it('is assumed only by IoT Core in this account and region', () => {
      const [trust, ...more] = statementsOf(resourceWith(s.json.iot, 'aws_iam_role', 'name', PROVISIONING_ROLE_NAME).assume_role_policy);
      expect(more).toEqual([]);
      expect(trust).toMatchObject({ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' });
      expect(trust?.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': ENV.accountId }, ArnLike: { 'aws:SourceArn': `arn:aws:iot:${ENV.region}:${ENV.accountId}:*` } });
    });

    it('has AWSIoTThingsRegistration attached, and nothing else', () => {
      const id = logicalId();
      expect(id).toBeDefined();
      const attachments = Object.values(resourcesOf(s.json.iot, 'aws_iam_role_policy_attachment'));
      expect(attachments).toEqual([expect.objectContaining({ role: `\${aws_iam_role.${id}.name}`, policy_arn: 'arn:aws:iam::aws:policy/service-role/AWSIoTThingsRegistration' })]);
      expect(PROVISIONING_MANAGED_POLICY).toBe('arn:aws:iam::aws:policy/service-role/AWSIoTThingsRegistration');
      expect(Testing.toHaveResourceWithProperties(s.raw.iot, 'aws_iam_role_policy_attachment', { policy_arn: PROVISIONING_MANAGED_POLICY })).toBe(true);
      const inline = Object.values(resourcesOf(s.json.iot, 'aws_iam_role_policy')).filter((p) => String(p.role).includes(`aws_iam_role.${id}.`));
      expect(inline).toEqual([]);
    });

    it('exports its ARN', () => {
      expect(s.json.iot.output?.provisioning_role_arn).toMatchObject({ value: `\${aws_iam_role.${logicalId()}.arn}` });
    });
  });
});
