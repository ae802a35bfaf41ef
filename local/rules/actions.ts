/**
 * What the local rules runtime does for each rule action type, as the action
 * pages describe it:
 * - republish: https://docs.aws.amazon.com/iot/latest/developerguide/republish-rule-action.html
 * - timestream: https://docs.aws.amazon.com/iot/latest/developerguide/timestream-rule-action.html
 */
import { type TimestreamWriteClient, WriteRecordsCommand, type WriteRecordsRequest } from '@aws-sdk/client-timestream-write';
import type { MessageEnv, RuleOutput } from '../../cloud-rules/sql/index';
import { PulsepetError } from '../../protocol/errors';
import { topicLimitViolation } from '../../protocol/topics';
import type { BrokerBus } from '../ports';
import type { CompiledAction } from './compile';
import { ConcurrencyGate } from './concurrency-gate';

/** The Timestream WriteRecords request the action sends (same shape as the SDK's). */
export type TimestreamWriteRequest = WriteRecordsRequest;

/** Where the timestream action writes: the real client pointed at the gateway, or any function of the same shape. */
export type TimestreamWriter = (req: TimestreamWriteRequest) => Promise<void>;

/** How many WriteRecords the rules' Timestream action runs at once, and how many may wait. */
export interface TimestreamWriterLimits {
  /** default 64 */
  maxInFlight?: number;
  /** past this many waiting, a write fails at once and goes to the rule's errorAction, as a throttled one does; default 50,000 */
  maxWaiting?: number;
}

/**
 * Adapts a real `@aws-sdk/client-timestream-write` client (e.g. pointed at the local
 * gateway), at most `maxInFlight` writes at once ({@link ConcurrencyGate}: a burst of
 * events does not run every client's middleware in one turn of the event loop).
 */
export function timestreamWriterFor(client: Pick<TimestreamWriteClient, 'send'>, limits: TimestreamWriterLimits = {}): TimestreamWriter {
  const gate = new ConcurrencyGate(limits.maxInFlight ?? 64, limits.maxWaiting ?? 50_000);
  return async (req) => {
    await gate.run(() => client.send(new WriteRecordsCommand(req)));
  };
}

/** API name of each action type as it appears in error-action `failedAction` (rule-error-handling). */
export function failedActionName(type: string): string {
  return `${type.charAt(0).toUpperCase()}${type.slice(1)}Action`;
}

function actionFailure(message: string, cause?: unknown, resource?: string): PulsepetError {
  return new PulsepetError('PP_ERR_RULE_ACTION', message, { cause, details: resource === undefined ? undefined : { resource } });
}

function render(a: CompiledAction, field: string, env: MessageEnv): string {
  const t = a.templates.get(field);
  if (t === undefined) throw new PulsepetError('PP_ERR_INTERNAL', `action field ${field} was not compiled`);
  return t.render(env);
}

/** The output as JSON, which timestream needs (binary output cannot be delivered to it). */
function jsonOutput(out: RuleOutput, type: string): unknown {
  if (out.kind === 'binary') throw actionFailure(`the ${type} action needs a JSON payload; use encode(*, 'base64') for binary payloads`);
  return out.value;
}

/**
 * republish: renders the topic template, turns a leading `$$` into `$` (reserved
 * topics), checks IoT Core's topic limits, and publishes with the action's QoS (default 0).
 * Returns the resolved topic.
 */
export async function runRepublish(bus: BrokerBus, a: CompiledAction, bytes: Buffer, env: MessageEnv): Promise<string> {
  const spec = a.action.republish;
  if (!spec) throw new PulsepetError('PP_ERR_INTERNAL', 'not a republish action');
  let topic = render(a, 'topic', env);
  if (topic.startsWith('$$')) topic = topic.slice(1);
  if (topic === '' || topic.includes('+') || topic.includes('#')) throw actionFailure(`cannot republish to topic ${JSON.stringify(topic)}`, undefined, topic);
  const limit = topicLimitViolation(topic);
  if (limit !== undefined) throw actionFailure(`cannot republish to ${JSON.stringify(topic)}: ${limit}`, undefined, topic);
  try {
    await bus.publish(topic, bytes, { qos: spec.qos ?? 0 });
  } catch (e) {
    throw actionFailure(`republish to ${topic} failed: ${e instanceof Error ? e.message : String(e)}`, e, topic);
  }
  return topic;
}

type MeasureValueType = 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'VARCHAR';

/** Infers a measure's type as the timestream action page describes ("record content"). */
function measureOf(v: unknown): { value: string; type: MeasureValueType } | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'boolean') return { value: String(v), type: 'BOOLEAN' };
  if (typeof v === 'number') return { value: String(v), type: Number.isInteger(v) ? 'BIGINT' : 'DOUBLE' };
  if (typeof v === 'string') return { value: v, type: 'VARCHAR' };
  return { value: JSON.stringify(v), type: 'VARCHAR' };
}

/**
 * timestream: one record per attribute of the SELECT result, each carrying the
 * rendered dimensions and the timestamp (the template, or the processing time in ms).
 */
export function buildTimestreamRequest(a: CompiledAction, out: RuleOutput, env: MessageEnv, now: number): TimestreamWriteRequest {
  const spec = a.action.timestream;
  if (!spec) throw new PulsepetError('PP_ERR_INTERNAL', 'not a timestream action');
  const value = jsonOutput(out, 'timestream');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw actionFailure('the timestream action needs the rule query to produce a JSON object');
  }
  const dimensions = spec.dimensions.map((d, i) => ({
    Name: d.name,
    Value: render(a, `dimensions.${i}.value`, env),
    DimensionValueType: 'VARCHAR' as const,
  }));
  let time = String(now);
  let unit: 'SECONDS' | 'MILLISECONDS' | 'MICROSECONDS' | 'NANOSECONDS' = 'MILLISECONDS';
  if (spec.timestamp) {
    time = render(a, 'timestamp.value', env);
    unit = spec.timestamp.unit;
    if (!/^\d+$/.test(time)) throw actionFailure(`timestamp value ${JSON.stringify(time)} is not an epoch time in ${unit}`);
  }
  const Records = [];
  for (const [name, v] of Object.entries(value)) {
    const m = measureOf(v);
    if (m === undefined) continue;
    Records.push({ Dimensions: dimensions, MeasureName: name, MeasureValue: m.value, MeasureValueType: m.type, Time: time, TimeUnit: unit });
  }
  if (Records.length === 0) throw actionFailure('the rule query produced no attributes to write to Timestream');
  return {
    DatabaseName: render(a, 'databaseName', env),
    TableName: render(a, 'tableName', env),
    Records,
  };
}
