import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreatePolicyCommand,
  CreateTopicRuleCommand,
  DeleteTopicRuleCommand,
  GetTopicRuleCommand,
  IoTClient,
} from '@aws-sdk/client-iot';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_CASES, type ConformanceCase } from '../../cloud-rules/sql/conformance-cases';
import { FUNCTION_NAMES, substitution } from '../../cloud-rules/rules';
import { summarize } from '../../protocol/telemetry';
import type { LocalStack } from '../stack';
import { startPulsepetStack } from '../../cli/pulsepet-stack';
import { awsClientConfig, connectMqtt, provisionTestDevice } from '../../test/support/local/stack';
import type { LambdaHandler } from '../lambda/index';

/**
 * The IoT SQL conformance table through the real stack: each case becomes a rule
 * created with @aws-sdk/client-iot whose republish action sends the SQL output to
 * `conformance/out/{i}`, observed by an MQTT.js subscriber. A barrier rule
 * republishes a marker after each case, so "no output" is observed, not assumed.
 */

const ROLE = 'arn:aws:iam::000000000000:role/conformance';
const OPEN_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] });
const BARRIER = '"barrier"';

let dataDir: string;
let stack: LocalStack;
let iot: IoTClient;
let publisher: MqttClient;
let subscriber: MqttClient;
const reasoned: unknown[] = [];
const inbox = new Map<string, Buffer[]>();
const waiters = new Map<string, () => void>();

const reasoning: LambdaHandler = async (event) => {
  reasoned.push(event);
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pp-rules-stack-'));
  stack = await startPulsepetStack({
    dataDir,
    handlers: new Map([[FUNCTION_NAMES.reasoning, reasoning]]),
    lambdaRetryDelaysMs: [10, 20],
    // The table publishes two messages per case back to back; on a fast machine that
    // passes IoT Core's 100 publishes/s per connection, and throttled publishes are
    // dropped. This suite checks SQL, not throttling (local/broker tests that).
    brokerLimits: { publishesPerSecond: 10_000 },
  });
  iot = new IoTClient(awsClientConfig(stack));
  await iot.send(new CreatePolicyCommand({ policyName: 'conformance-open', policyDocument: OPEN_POLICY }));
  const pub = await provisionTestDevice(stack, 'conformance-client', { policyName: 'conformance-open' });
  const sub = await provisionTestDevice(stack, 'conformance-subscriber', { policyName: 'conformance-open' });
  publisher = await connectMqtt(stack, pub);
  subscriber = await connectMqtt(stack, sub);
  subscriber.on('message', (topic, payload) => {
    const list = inbox.get(topic) ?? [];
    list.push(payload);
    inbox.set(topic, list);
    waiters.get(topic)?.();
  });
  await subscriber.subscribeAsync(['conformance/out/#', 'pulsepet/errors'], { qos: 1 });
  await iot.send(
    new CreateTopicRuleCommand({
      ruleName: 'conformance_barrier',
      topicRulePayload: {
        sql: "SELECT VALUE 'barrier' FROM 'conformance/barrier/+'",
        awsIotSqlVersion: '2016-03-23',
        actions: [{ republish: { topic: `conformance/out/${substitution('topic(3)')}`, qos: 1, roleArn: ROLE } }],
      },
    }),
  );
});

afterAll(async () => {
  await publisher?.endAsync();
  await subscriber?.endAsync();
  iot?.destroy();
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Waits until `topic` has received a message satisfying `done`, with a deadline. */
function until(topic: string, done: (msgs: Buffer[]) => boolean, timeoutMs = 5000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const msgs = inbox.get(topic) ?? [];
      if (!done(msgs)) return;
      clearTimeout(timer);
      waiters.delete(topic);
      resolve(msgs);
    };
    const timer = setTimeout(() => {
      waiters.delete(topic);
      reject(new Error(`timed out waiting on ${topic}; got ${JSON.stringify((inbox.get(topic) ?? []).map(String))}`));
    }, timeoutMs);
    waiters.set(topic, check);
    check();
  });
}

function payloadOf(c: ConformanceCase): Buffer {
  const p = c.payload;
  if (typeof p === 'object' && p !== null && !Array.isArray(p) && 'raw' in p && typeof p.raw === 'string') return Buffer.from(p.raw);
  return Buffer.from(JSON.stringify(p));
}

describe('IoT SQL conformance through real rules (client-iot CreateTopicRule + republish + MQTT subscriber)', () => {
  CONFORMANCE_CASES.forEach((c, i) => {
    it(`${c.title} — ${c.page}`, async () => {
      const ruleName = `conformance_${i}`;
      const out = `conformance/out/${i}`;
      await iot.send(
        new CreateTopicRuleCommand({
          ruleName,
          topicRulePayload: { sql: c.sql, awsIotSqlVersion: '2016-03-23', actions: [{ republish: { topic: out, qos: 1, roleArn: ROLE } }] },
        }),
      );
      try {
        await publisher.publishAsync(c.topic, payloadOf(c), { qos: 1 });
        await publisher.publishAsync(`conformance/barrier/${i}`, '{}', { qos: 1 });
        const msgs = (await until(out, (m) => m.some((b) => b.toString() === BARRIER))).map((b) => b.toString());
        const before = msgs.slice(0, msgs.indexOf(BARRIER));
        if ('none' in c.expect) {
          expect(before).toEqual([]);
          return;
        }
        expect(before).toHaveLength(1);
        const text = before[0] as string;
        if ('raw' in c.expect) expect(text).toBe(c.expect.raw);
        else if ('json' in c.expect) expect(JSON.parse(text)).toEqual(c.expect.json);
        else expect(c.expect.satisfies(JSON.parse(text)), c.expect.description).toBe(true);
      } finally {
        await iot.send(new DeleteTopicRuleCommand({ ruleName }));
      }
    });
  });
});

describe('pulsepet rules on the real stack', () => {
  it('loads the cloud-rules definitions at start, visible through GetTopicRule', async () => {
    for (const name of ['ingest_telemetry', 'reason_on_telemetry', 'presence_to_timestream', 'pet_state_to_timestream']) {
      const got = await iot.send(new GetTopicRuleCommand({ ruleName: name }));
      expect(got.rule?.errorAction?.republish?.topic).toBe('pulsepet/errors');
    }
  });

  it('sends every telemetry batch to the reasoning function, calm ones too', async () => {
    const device = await provisionTestDevice(stack, 'pet-signal');
    const client = await connectMqtt(stack, device);
    try {
      const calm = [{ t: Date.now(), hr: 70, hrvRmssd: 60, steps: 40 }];
      await client.publishAsync('dt/pulsepet/pet-signal/telemetry', JSON.stringify({ v: 1, batchId: 'calm', seq: 0, samples: calm, summary: summarize(calm) }), { qos: 1 });
      const peak = [{ t: Date.now() + 1, hr: 170, steps: 90 }];
      await client.publishAsync('dt/pulsepet/pet-signal/telemetry', JSON.stringify({ v: 1, batchId: 'peak', seq: 1, samples: peak, summary: summarize(peak) }), { qos: 1 });
      const deadline = Date.now() + 5000;
      while (!reasoned.some((e) => (e as { batchId?: string }).batchId === 'peak') && Date.now() < deadline) await stack.rules.idle().then(() => new Promise((r) => setImmediate(r)));
      await stack.rules.idle();
      expect(reasoned.map((e) => (e as { batchId: string; thing: string }).batchId).sort()).toEqual(['calm', 'peak']);
      expect(reasoned[0]).toMatchObject({ thing: 'pet-signal' });
    } finally {
      await client.endAsync();
    }
  });

  it('writes presence events to Timestream table presence, one record per attribute, read back with client-timestream-query', async () => {
    const device = await provisionTestDevice(stack, 'pet-presence');
    const client = await connectMqtt(stack, device);
    await client.endAsync();
    const q = new TimestreamQueryClient(awsClientConfig(stack));
    try {
      const sql = `SELECT measure_name, measure_value::varchar, measure_value::boolean FROM "pulsepet"."presence" WHERE thing = 'pet-presence' ORDER BY time, measure_name`;
      let rows: string[][] = [];
      const deadline = Date.now() + 5000;
      while (rows.length < 5 && Date.now() < deadline) {
        await stack.rules.idle();
        const r = await q.send(new QueryCommand({ QueryString: sql }));
        rows = (r.Rows ?? []).map((row) => (row.Data ?? []).map((d) => d.ScalarValue ?? '-'));
      }
      expect(rows).toEqual([
        ['connected', '-', 'true'],
        ['eventType', 'connected', '-'],
        ['connected', '-', 'false'],
        ['disconnectReason', 'CLIENT_INITIATED_DISCONNECT', '-'],
        ['eventType', 'disconnected', '-'],
      ]);
    } finally {
      q.destroy();
    }
  });

  it('republishes onto a reserved shadow topic with $$, which the shadow service applies', async () => {
    await provisionTestDevice(stack, 'pet-shadow');
    await iot.send(
      new CreateTopicRuleCommand({
        ruleName: 'to_shadow',
        topicRulePayload: {
          sql: "SELECT VALUE {'state': {'desired': {'mood': mood}}} FROM 'conformance/mood/+'",
          awsIotSqlVersion: '2016-03-23',
          actions: [{ republish: { topic: `$$aws/things/${substitution('topic(3)')}/shadow/name/pet/update`, qos: 1, roleArn: ROLE } }],
        },
      }),
    );
    await publisher.publishAsync('conformance/mood/pet-shadow', '{"mood":"happy"}', { qos: 1 });
    const data = new IoTDataPlaneClient(awsClientConfig(stack));
    try {
      let desired: unknown;
      const deadline = Date.now() + 5000;
      while (desired === undefined && Date.now() < deadline) {
        await stack.rules.idle();
        try {
          const got = await data.send(new GetThingShadowCommand({ thingName: 'pet-shadow', shadowName: 'pet' }));
          desired = JSON.parse(Buffer.from(got.payload ?? new Uint8Array()).toString()).state?.desired;
        } catch (e) {
          if ((e as Error).name !== 'ResourceNotFoundException') throw e;
        }
      }
      expect(desired).toEqual({ mood: 'happy' });
    } finally {
      data.destroy();
    }
  });

  it('reports a failing rule action on pulsepet/errors with the original payload, readable by an operator subscriber', async () => {
    await iot.send(
      new CreateTopicRuleCommand({
        ruleName: 'failing_action',
        topicRulePayload: {
          sql: "SELECT * FROM 'conformance/fail'",
          awsIotSqlVersion: '2016-03-23',
          actions: [{ lambda: { functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:not-deployed' } }],
          errorAction: { republish: { topic: 'pulsepet/errors', qos: 1, roleArn: ROLE } },
        },
      }),
    );
    await publisher.publishAsync('conformance/fail', '{"n":1}', { qos: 1 });
    const msgs = await until('pulsepet/errors', (m) => m.some((b) => JSON.parse(b.toString()).ruleName === 'failing_action'));
    const err = JSON.parse(msgs.find((b) => JSON.parse(b.toString()).ruleName === 'failing_action')!.toString());
    expect(err).toMatchObject({
      ruleName: 'failing_action',
      topic: 'conformance/fail',
      clientId: 'conformance-client',
      base64OriginalPayload: Buffer.from('{"n":1}').toString('base64'),
      failures: [{ failedAction: 'LambdaAction', failedResource: 'arn:aws:lambda:us-east-1:000000000000:function:not-deployed' }],
    });
    expect(stack.rules.listDeadLetters().some((d) => d.ruleName === 'failing_action')).toBe(true);
  });
});
