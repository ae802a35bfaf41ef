import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPulsepetStack } from '../../cli/pulsepet-stack';
import type { LocalStack } from '../../local/index';
import type { PetState } from '../../protocol/shadows';
import { summarize } from '../../protocol/telemetry';
import { minutesOf, publish, readPet } from '../../test/support/functions/reasoning-e2e';
import { awsClientConfig, connectMqtt, provisionTestDevice, type TestDevice } from '../../test/support/local/stack';

/**
 * The loop end to end on the local stack: a provisioned device publishes 15 minutes of
 * telemetry (timestamps in the last 15 minutes); the rules hand every batch to the
 * reasoning function (its own execution environment, real clients), which writes the
 * `pet` shadow; the test reads it with the real client-iot-data-plane.
 */

let dir: string;
let stack: LocalStack;
let data: IoTDataPlaneClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-reasoning-e2e-'));
  stack = await startPulsepetStack({ dataDir: join(dir, 'data'), lambdaRetryDelaysMs: [50, 100] });
  // Shadow requests are limited to 20/s per thing (AWS IoT quotas), and the reasoning
  // function has just made many for the same thing: the SDK's retries wait out a 429.
  data = new IoTDataPlaneClient({ ...awsClientConfig(stack), maxAttempts: 6 });
}, 60_000);
afterAll(async () => {
  data?.destroy();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function pet(thing: string): Promise<{ desired?: PetState; version: number }> {
  return readPet(data, thing);
}

async function device(thing: string): Promise<{ dev: TestDevice; client: MqttClient }> {
  const dev = await provisionTestDevice(stack, thing);
  return { dev, client: await connectMqtt(stack, dev) };
}

describe('The reasoning loop on the local stack', () => {
  it('shows a still wearer with a raised heart rate and low HRV as stressed, and the pet can say why', async () => {
    const { client } = await device('reason-stress');
    await publish(client, 'reason-stress', minutesOf('stress'), 0);
    await stack.rules.idle();
    const p = (await pet('reason-stress')).desired;
    expect(p, JSON.stringify(p)).toMatchObject({ stress: 'stress', mood: 'stressed', calibrating: true });
    // worded by the LLM coach (the local Bedrock service); the batches run concurrently, so a later
    // batch with the same state may reach the pet first with the answer the earlier one cached, and
    // when the budget's interval holds the LLM back the deterministic coach words it
    expect(['llm', 'cached', 'deterministic']).toContain(p?.source);
    expect(p?.message.length).toBeGreaterThan(0);
    expect(['breathe', 'wobble']).toContain(p?.animation);
    expect(p?.readiness?.top.length).toBeGreaterThan(0);
    expect(p?.stateHash).toMatch(/^[0-9a-f]{16}$/);
    await client.endAsync();
  }, 60_000);

  it('calls a running wearer exercise, never stress', async () => {
    const { client } = await device('reason-run');
    await publish(client, 'reason-run', minutesOf('run'), 0);
    await stack.rules.idle();
    expect((await pet('reason-run')).desired).toMatchObject({ stress: 'exercise' });
    await client.endAsync();
  }, 60_000);

  it('keeps a wearer at rest at rest, and brings a stressed pet back to calm when the stress ends', async () => {
    const { client } = await device('reason-rest');
    await publish(client, 'reason-rest', minutesOf('rest'), 0);
    await stack.rules.idle();
    expect((await pet('reason-rest')).desired).toMatchObject({ stress: 'rest' });

    const { client: c2 } = await device('reason-recover');
    const now = Date.now();
    await publish(c2, 'reason-recover', minutesOf('stress', now - 30 * 60_000), 0);
    await stack.rules.idle();
    expect((await pet('reason-recover')).desired?.stress).toBe('stress');
    await publish(c2, 'reason-recover', minutesOf('rest', now, 30), 10);
    await stack.rules.idle();
    expect((await pet('reason-recover')).desired).toMatchObject({ stress: 'rest', mood: expect.stringMatching(/calm|happy|tired/) });
    await client.endAsync();
    await c2.endAsync();
  }, 60_000);

  it('sends the change to the subscribed device as update/delta, and the same batch twice writes once', async () => {
    const { client } = await device('reason-delta');
    const deltas: unknown[] = [];
    await client.subscribeAsync('$aws/things/reason-delta/shadow/name/pet/update/delta', { qos: 1 });
    client.on('message', (_t, payload) => deltas.push(JSON.parse(payload.toString())));
    const samples = minutesOf('stress');
    const [first] = await publish(client, 'reason-delta', samples.slice(0, 300), 0);
    await stack.rules.idle();
    const before = await pet('reason-delta');
    expect(before.desired).toBeDefined();
    const deadline = Date.now() + 5000;
    while (deltas.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(deltas[0]).toMatchObject({ state: { mood: before.desired?.mood } });
    // the same batch again (at-least-once delivery): nothing is written
    const again = { v: 1, batchId: first, seq: 0, samples: samples.slice(0, 300), summary: summarize(samples.slice(0, 300)) };
    await client.publishAsync('dt/pulsepet/reason-delta/telemetry', JSON.stringify(again), { qos: 1 });
    await stack.rules.idle();
    expect((await pet('reason-delta')).version).toBe(before.version);
    // and the device cannot read the server-only reasoning shadow
    await client.subscribeAsync('$aws/things/reason-delta/shadow/name/reasoning/get/accepted').then(
      (granted) => expect(granted[0]?.qos).toBe(128),
      () => undefined,
    );
    await client.endAsync().catch(() => undefined);
  }, 60_000);
});
