import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { IoTClient } from '@aws-sdk/client-iot';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionThing } from '../../cli/fleet/provision';
import type { LocalStack } from '../../local/stack';
import { startPulsepetStack } from '../../cli/pulsepet-stack';
import { awsClientConfig } from '../../test/support/local/stack';
import { DEVICE_POLICY_NAME } from '../../protocol/policies';
import { telemetryTopic } from '../../protocol/topics';
import { batchEvent, samplesAt } from '../../test/support/functions/ingest';

/**
 * End to end: device (provisioned by the fleet CLI's provisioning) → MQTT over mTLS →
 * `ingest_telemetry` rule → ingest function → Timestream WriteRecords → client-timestream-query.
 */

let dir: string;
let stack: LocalStack;
let device: MqttClient;
let query: TimestreamQueryClient;
const THING = 'e2e-pet-1';
const errors: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-ingest-e2e-'));
  stack = await startPulsepetStack({ dataDir: join(dir, 'data'), lambdaRetryDelaysMs: [5, 5] });
  stack.bus.onPublish('pulsepet/errors', (m) => {
    errors.push(JSON.parse(m.payload.toString('utf8')) as Record<string, unknown>);
  });
  const iot = new IoTClient(awsClientConfig(stack));
  const out = new PassThrough();
  const provisioned = await provisionThing(
    { iot, region: stack.region, stdout: out, stderr: out, sleep: async () => {} },
    { thing: THING, outDir: join(dir, 'devices'), policy: DEVICE_POLICY_NAME, rootCaPath: stack.caFile },
  );
  iot.destroy();
  device = await new Promise<MqttClient>((resolve, reject) => {
    const c = mqtt.connect(provisioned.endpoint, {
      clientId: THING,
      cert: readFileSync(provisioned.certFile),
      key: readFileSync(provisioned.keyFile),
      ca: readFileSync(provisioned.caFile),
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
  query = new TimestreamQueryClient(awsClientConfig(stack));
});
afterAll(async () => {
  await new Promise<void>((r) => (device ? device.end(false, {}, () => r()) : r()));
  query?.destroy();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

function publish(payload: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    device.publish(telemetryTopic(THING), typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 }, (e) =>
      e ? reject(e) : resolve(),
    );
  });
}

/** Polls until `ok` or the deadline; errors count as "not yet" (e.g. no `hr` column before the first write). */
async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    let v: T | undefined;
    let err: unknown;
    try {
      v = await fn();
    } catch (e) {
      err = e;
    }
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > deadline) {
      if (err !== undefined) throw err;
      return v as T;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stored(): Promise<Array<[number, string]>> {
  const rows: Array<[number, string]> = [];
  let NextToken: string | undefined;
  do {
    const q = await query.send(
      new QueryCommand({
        QueryString: `SELECT to_milliseconds(time) AS t, hr FROM "pulsepet"."telemetry"
          WHERE thing = '${THING}' AND measure_name = 'vitals' AND time BETWEEN ago(1h) AND now() ORDER BY time`,
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    for (const r of q.Rows ?? []) rows.push([Number(r.Data?.[0]?.ScalarValue), r.Data?.[1]?.ScalarValue ?? '']);
    NextToken = q.NextToken;
  } while (NextToken);
  return rows;
}

describe('End to end: device → ingest_telemetry → ingest → Timestream', () => {
  it('stores every published sample once, even when a batch is published twice, and reports a malformed batch on the error channel', async () => {
    const now = Date.now();
    const b1 = batchEvent(THING, samplesAt(now, 150, 600_000), 1);
    const b2 = batchEvent(THING, samplesAt(now, 60, 300_000, 100), 2);
    const b3 = batchEvent(THING, samplesAt(now, 40, 1000, 70), 4);
    const bad = batchEvent(THING, samplesAt(now, 5, 200_000), 3);
    (bad.samples as Array<Record<string, unknown>>)[1]!.hr = 400;
    // the rule adds `thing`; devices publish the telemetry v1 payload only
    const payload = (e: Record<string, unknown>) => {
      const { thing: _thing, ...rest } = e;
      return rest;
    };
    await publish(payload(b1));
    await publish(payload(b2));
    await publish(payload(b1)); // at-least-once duplicate
    await publish(payload(bad));
    await publish(payload(b3));

    const expected = [...(b1.samples as Array<{ t: number; hr: number }>), ...(b2.samples as Array<{ t: number; hr: number }>), ...(b3.samples as Array<{ t: number; hr: number }>)]
      .sort((a, b) => a.t - b.t)
      .map((s): [number, string] => [s.t, `${s.hr}.0`]);
    const rows = await eventually(stored, (r) => r.length >= expected.length);
    expect(rows).toEqual(expected);

    // The ingest function refuses the malformed batch for good: one attempt, reported on
    // the error channel by the function itself, no retries and no dead letter.
    const report = await eventually(
      async () => errors.find((e) => e.functionName === 'pulsepet-ingest' && e.batchId === bad.batchId),
      (e) => e !== undefined,
    );
    expect(report).toMatchObject({ code: 'PP_ERR_VALIDATION', retryable: false, thing: THING });
    expect(JSON.stringify(report?.problems)).toMatch(/samples\.1\.hr/);
    const original = JSON.parse(Buffer.from(String(report?.base64Event), 'base64').toString('utf8')) as { batchId: string };
    expect(original.batchId).toBe(bad.batchId);
    await stack.rules.idle();
    expect(errors.filter((e) => e.ruleName === 'ingest_telemetry')).toEqual([]);
    expect(stack.rules.listDeadLetters().filter((d) => d.ruleName === 'ingest_telemetry')).toEqual([]);
    // nothing of the malformed batch was written, and nothing else was lost
    expect(await stored()).toEqual(expected);
  });
});
