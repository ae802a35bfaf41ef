import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { pulsepetRules } from '../cloud-rules/rules';
import { FUNCTIONS } from '../functions/registry';
import { resourcesOf, statementsOf, type Synthesized, synthesize, TEST_ENV } from '../test/support/infra/synth';
import { LLM_CALL_METRICS } from './dashboard';
import { connectedDevicesMetricName, deadLetterQueueName, functionLogGroup, IOT_LOG_GROUP } from './names';

const ENV = { region: TEST_ENV.PULSEPET_AWS_REGION, accountId: TEST_ENV.PULSEPET_AWS_ACCOUNT_ID };

let s: Synthesized;
beforeAll(() => {
  s = synthesize({ PULSEPET_ALARM_EMAIL: 'ops@example.com', PULSEPET_LOG_RETENTION_DAYS: '14' });
});
const alarms = () => Object.values(resourcesOf(s.json.observability, 'aws_cloudwatch_metric_alarm'));
const alarm = (name: string) => alarms().find((a) => a.alarm_name === name);

describe('Stack: observability', () => {
  it('creates the log group of every function and of IoT Core, with the configured retention', () => {
    const groups = Object.values(resourcesOf(s.json.observability, 'aws_cloudwatch_log_group'));
    expect(groups.map((g) => g.name).sort()).toEqual([...FUNCTIONS.map((f) => functionLogGroup(f.name)), IOT_LOG_GROUP].sort());
    for (const g of groups) expect(g.retention_in_days).toBe(14);
  });

  it.each(FUNCTIONS.map((f) => [f.name]))('alarms on errors and throttles of %s', (name) => {
    for (const metric of ['Errors', 'Throttles']) {
      expect(alarm(`pp-test-function-${name}-${metric.toLowerCase()}`)).toMatchObject({
        namespace: 'AWS/Lambda',
        metric_name: metric,
        dimensions: { FunctionName: name },
        comparison_operator: 'GreaterThanThreshold',
        threshold: 0,
      });
    }
  });

  it.each(pulsepetRules(ENV).map((r) => [r.ruleName]))('alarms on failed actions of rule %s', (rule) => {
    const a = alarm(`pp-test-rule-${rule}-failures`);
    expect(JSON.stringify(a?.metric_query)).toContain(`WHERE RuleName = '${rule}'`);
  });

  it('alarms when the dead-letter queue holds a message, and when Bedrock throttles the coach model', () => {
    expect(alarm('pp-test-dead-letters')).toMatchObject({ namespace: 'AWS/SQS', metric_name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: deadLetterQueueName(s.config) } });
    expect(alarm('pp-test-bedrock-throttles')).toMatchObject({ namespace: 'AWS/Bedrock', metric_name: 'InvocationThrottles', dimensions: { ModelId: s.config.coach.modelId } });
    expect(alarms().filter((a) => a.namespace === 'AWS/Bedrock')).toHaveLength(1);
    const deterministic = synthesize({ PULSEPET_COACH: 'deterministic' });
    expect(Object.values(resourcesOf(deterministic.json.observability, 'aws_cloudwatch_metric_alarm')).filter((a) => a.namespace === 'AWS/Bedrock')).toEqual([]);
  });

  it('sends every alarm and its recovery to the encrypted alarm topic, mailed to the configured address', () => {
    for (const a of alarms()) {
      expect(a.alarm_actions).toEqual([`\${aws_sns_topic.alarm-topic.arn}`]);
      expect(a.ok_actions).toEqual([`\${aws_sns_topic.alarm-topic.arn}`]);
    }
    expect(resourcesOf(s.json.observability, 'aws_sns_topic')['alarm-topic']).toMatchObject({ name: 'pp-test-alarms', kms_master_key_id: `\${aws_kms_key.alarm-key.arn}` });
    expect(Object.values(resourcesOf(s.json.observability, 'aws_sns_topic_subscription'))).toEqual([expect.objectContaining({ protocol: 'email', endpoint: 'ops@example.com' })]);
    const key = statementsOf(resourcesOf(s.json.observability, 'aws_kms_key')['alarm-key']?.policy);
    expect(key.find((st) => st.Sid === 'CloudWatchAlarmsEncrypt')).toMatchObject({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] });
  });

  describe('Dashboard', () => {
    const body = () => JSON.parse(String(Object.values(resourcesOf(s.json.observability, 'aws_cloudwatch_dashboard'))[0]?.dashboard_body)) as { widgets: Array<{ properties: { title: string; metrics: unknown[][] } }> };
    const widget = (title: string) => body().widgets.find((w) => w.properties.title === title);

    it('shows connected devices from the fleet metric the iot stack creates', () => {
      expect(widget('Connected devices')?.properties.metrics[0]?.slice(0, 2)).toEqual(['AWS/IoTFleetMetrics', connectedDevicesMetricName(s.config)]);
      expect(s.raw.iot).toContain(connectedDevicesMetricName(s.config));
    });

    it('shows messages in, ingest errors and LLM calls per day', () => {
      expect(JSON.stringify(widget('Messages in (MQTT publishes accepted)'))).toContain('PublishIn.Success');
      expect(JSON.stringify(widget('Ingest errors'))).toContain('ingest_telemetry');
      expect(widget('LLM calls per day')?.properties).toMatchObject({ period: 86_400, stat: 'Sum' });
    });

    it('counts LLM calls with the metric names and dimensions the functions emit', () => {
      const emitters = { CoachRequests: 'functions/reasoning/budgeted-coach.ts', ExplainRequests: 'functions/daily-summary/explainer.ts' } as const;
      for (const m of LLM_CALL_METRICS) {
        const src = readFileSync(emitters[m.metric], 'utf8');
        expect(src).toContain(`namespace: '${m.namespace}'`);
        expect(src).toContain(`${m.metric}: { value: 1`);
        expect(src).toMatch(/dimensions: \{ FunctionName: FUNCTION_NAMES\.\w+, Outcome: outcome \}/);
        expect(src).toMatch(new RegExp(`Outcome = [^;]*'${m.outcome}'`));
      }
    });
  });
});
