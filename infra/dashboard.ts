import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { Construct } from 'constructs';
import { FUNCTIONS } from '../functions/registry';
import { FUNCTION_NAMES } from '../protocol/resources';
import type { InfraConfig } from './config';
import { connectedDevicesMetricName, dashboardName, deadLetterQueueName } from './names';
import { documentText } from './terraform-escape';

/**
 * The EMF metrics that count LLM calls (functions/reasoning/budgeted-coach.ts and
 * functions/daily-summary/explainer.ts emit them; `Outcome` = `llm` is a call that
 * reached Bedrock). A test reads those files to keep these names in step.
 */
export const LLM_CALL_METRICS = [
  { namespace: 'pulsepet', metric: 'CoachRequests', functionName: FUNCTION_NAMES.reasoning, outcome: 'llm' },
  { namespace: 'pulsepet', metric: 'ExplainRequests', functionName: FUNCTION_NAMES.dailySummary, outcome: 'llm' },
] as const;

type MetricLine = (string | Record<string, unknown>)[];
interface Widget {
  type: 'metric';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: { title: string; region: string; view: 'timeSeries' | 'singleValue'; stat: string; period: number; metrics: MetricLine[] };
}

/**
 * The operator's dashboard: connected devices (the fleet metric), messages in, ingest
 * errors, LLM calls per day, and each function's invocations, errors and duration.
 * Dashboard body: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
 */
export class DashboardConstruct extends Construct {
  readonly dashboard: CloudwatchDashboard;
  readonly widgets: Widget[];

  constructor(scope: Construct, id: string, config: InfraConfig) {
    super(scope, id);
    this.widgets = dashboardWidgets(config);
    this.dashboard = new CloudwatchDashboard(this, 'dashboard', { dashboardName: dashboardName(config), dashboardBody: documentText({ widgets: this.widgets }) });
  }
}

export function dashboardWidgets(config: InfraConfig): Widget[] {
  const at = (i: number, title: string, view: Widget['properties']['view'], stat: string, period: number, metrics: MetricLine[]): Widget => ({
    type: 'metric',
    x: (i % 2) * 12,
    y: Math.floor(i / 2) * 6,
    width: 12,
    height: 6,
    properties: { title, region: config.region, view, stat, period, metrics },
  });
  const ingest = FUNCTION_NAMES.ingest;
  return [
    at(0, 'Connected devices', 'timeSeries', 'Maximum', 60, [['AWS/IoTFleetMetrics', connectedDevicesMetricName(config), { label: 'connected' }]]),
    at(1, 'Messages in (MQTT publishes accepted)', 'timeSeries', 'Sum', 300, [
      [{ expression: `SEARCH('{AWS/IoT,Protocol} MetricName="PublishIn.Success"', 'Sum', 300)`, id: 'publishIn', label: 'PublishIn.Success' }],
    ]),
    at(2, 'Ingest errors', 'timeSeries', 'Sum', 300, [
      ['AWS/Lambda', 'Errors', 'FunctionName', ingest, { label: `${ingest} errors` }],
      [{ expression: `SEARCH('{AWS/IoT,ActionType,RuleName} MetricName="Failure" RuleName="ingest_telemetry"', 'Sum', 300)`, id: 'ruleFailures', label: 'ingest_telemetry action failures' }],
      ['AWS/IoT', 'ParseError', 'RuleName', 'ingest_telemetry', { label: 'ingest_telemetry JSON parse errors' }],
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', deadLetterQueueName(config), { stat: 'Maximum', label: 'dead letters' }],
    ]),
    at(3, 'LLM calls per day', 'timeSeries', 'Sum', 86_400, [
      ...LLM_CALL_METRICS.map((m): MetricLine => [m.namespace, m.metric, 'FunctionName', m.functionName, 'Outcome', m.outcome, { label: `${m.functionName} (${m.metric})` }]),
      ...(config.coach.kind === 'bedrock' ? [['AWS/Bedrock', 'InvocationThrottles', 'ModelId', config.coach.modelId, { label: 'Bedrock throttles' }] as MetricLine] : []),
    ]),
    at(
      4,
      'Function invocations and errors',
      'timeSeries',
      'Sum',
      300,
      FUNCTIONS.flatMap((f): MetricLine[] => [
        ['AWS/Lambda', 'Invocations', 'FunctionName', f.name],
        ['AWS/Lambda', 'Errors', 'FunctionName', f.name],
      ]),
    ),
    at(
      5,
      'Function duration (p95)',
      'timeSeries',
      'p95',
      300,
      FUNCTIONS.map((f): MetricLine => ['AWS/Lambda', 'Duration', 'FunctionName', f.name]),
    ),
  ];
}
