import { PublishCommand, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ShadowHarness, startShadowHarness } from '../../test/support/local/shadow/harness';

/** Collects messages on a client; `next(topic)` waits (with a deadline) for the next one. */
function inbox(client: MqttClient) {
  const queue: Array<{ topic: string; body: Record<string, unknown> }> = [];
  const waiters: Array<{ topic: string; resolve: (b: Record<string, unknown>) => void }> = [];
  client.on('message', (topic, buf) => {
    const body = JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
    const i = waiters.findIndex((w) => w.topic === topic);
    const w = i >= 0 ? waiters.splice(i, 1)[0] : undefined;
    if (w) w.resolve(body);
    else queue.push({ topic, body });
  });
  return {
    topics: () => queue.map((m) => m.topic),
    next(topic: string, ms = 5000): Promise<Record<string, unknown>> {
      const i = queue.findIndex((m) => m.topic === topic);
      const queued = i >= 0 ? queue.splice(i, 1)[0] : undefined;
      if (queued) return Promise.resolve(queued.body);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`nothing on ${topic} within ${ms} ms`)), ms);
        waiters.push({
          topic,
          resolve: (b) => {
            clearTimeout(t);
            resolve(b);
          },
        });
      });
    },
  };
}

describe('Shadow data flow through the real broker', () => {
  let h: ShadowHarness;
  beforeAll(async () => {
    h = await startShadowHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('publishes the same accepted, delta and documents on MQTT for an HTTP update as the HTTP response', async () => {
    const device = await h.connect('flow-1');
    const box = inbox(device);
    await device.subscribeAsync('$aws/things/flow-1/shadow/name/pet/update/#', { qos: 1 });
    const res = await h.iotdata.send(
      new UpdateThingShadowCommand({
        thingName: 'flow-1',
        shadowName: 'pet',
        payload: Buffer.from(JSON.stringify({ state: { desired: { mood: 'happy', energy: 0.8 } }, clientToken: 'cloud-1' })),
      }),
    );
    const httpBody = JSON.parse(Buffer.from(res.payload ?? new Uint8Array()).toString('utf8'));
    const accepted = await box.next('$aws/things/flow-1/shadow/name/pet/update/accepted');
    expect(accepted).toEqual(httpBody);
    const delta = await box.next('$aws/things/flow-1/shadow/name/pet/update/delta');
    expect(delta).toMatchObject({ state: { mood: 'happy', energy: 0.8 }, version: 1, clientToken: 'cloud-1' });
    expect(delta.metadata).toEqual({ mood: { timestamp: delta.timestamp }, energy: { timestamp: delta.timestamp } });
    const docs = await box.next('$aws/things/flow-1/shadow/name/pet/update/documents');
    expect(docs).toMatchObject({ previous: null, current: { state: { desired: { mood: 'happy', energy: 0.8 } }, version: 1 } });
  });

  it('gives the device previous and current documents and a delta that shrinks as it reports', async () => {
    const device = await h.connect('flow-2');
    const box = inbox(device);
    await device.subscribeAsync('$aws/things/flow-2/shadow/#', { qos: 1 });
    await device.publishAsync('$aws/things/flow-2/shadow/update', JSON.stringify({ state: { desired: { a: 1, b: 2 } } }), { qos: 1 });
    expect((await box.next('$aws/things/flow-2/shadow/update/delta')).state).toEqual({ a: 1, b: 2 });
    await box.next('$aws/things/flow-2/shadow/update/documents');
    await device.publishAsync('$aws/things/flow-2/shadow/update', JSON.stringify({ state: { reported: { a: 1 } } }), { qos: 1 });
    const delta = await box.next('$aws/things/flow-2/shadow/update/delta');
    expect(delta).toMatchObject({ state: { b: 2 }, version: 2 });
    const docs = await box.next('$aws/things/flow-2/shadow/update/documents');
    expect(docs).toMatchObject({
      previous: { state: { desired: { a: 1, b: 2 } }, version: 1 },
      current: { state: { desired: { a: 1, b: 2 }, reported: { a: 1 } }, version: 2 },
    });
    await device.publishAsync('$aws/things/flow-2/shadow/update', JSON.stringify({ state: { reported: { b: 2 } } }), { qos: 1 });
    expect((await box.next('$aws/things/flow-2/shadow/update/documents')).current).toMatchObject({ version: 3 });
    expect(box.topics()).not.toContain('$aws/things/flow-2/shadow/update/delta');
  });

  it('delivers accepted, delta and documents to the device in that order', async () => {
    const device = await h.connect('flow-4');
    const order: string[] = [];
    device.on('message', (topic) => {
      const last = topic.split('/').slice(-1)[0] ?? '';
      if (last !== 'update') order.push(last); // its own requests echo back too
    });
    await device.subscribeAsync('$aws/things/flow-4/shadow/update/#', { qos: 1 });
    for (let i = 0; i < 5; i++) {
      await device.publishAsync('$aws/things/flow-4/shadow/update', JSON.stringify({ state: { desired: { i } } }), { qos: 1 });
    }
    const deadline = Date.now() + 5000;
    while (order.length < 15 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual(Array.from({ length: 5 }, () => ['accepted', 'delta', 'documents']).flat());
  });

  it('treats a data-plane Publish to the reserved update topic as a shadow update', async () => {
    const device = await h.connect('flow-5');
    const box = inbox(device);
    await device.subscribeAsync('$aws/things/flow-5/shadow/update/accepted', { qos: 1 });
    await h.iotdata.send(
      new PublishCommand({
        topic: '$aws/things/flow-5/shadow/update',
        qos: 1,
        payload: Buffer.from('{"state":{"desired":{"sampleIntervalMs":500}},"clientToken":"via-publish"}'),
      }),
    );
    expect(await box.next('$aws/things/flow-5/shadow/update/accepted')).toMatchObject({
      state: { desired: { sampleIntervalMs: 500 } },
      version: 1,
      clientToken: 'via-publish',
    });
  });

  it('answers a request storm on one thing with 429 rejections beyond 20 requests per second', async () => {
    const device = await h.connect('flow-3');
    const box = inbox(device);
    await device.subscribeAsync('$aws/things/flow-3/shadow/get/#', { qos: 1 });
    for (let i = 0; i < 25; i++) device.publish('$aws/things/flow-3/shadow/get', JSON.stringify({ clientToken: `g${i}` }), { qos: 0 });
    const codes: number[] = [];
    for (let i = 0; i < 25; i++) codes.push(Number((await box.next('$aws/things/flow-3/shadow/get/rejected')).code));
    expect(codes.filter((c) => c === 404).length).toBeLessThanOrEqual(20);
    expect(codes).toContain(429);
  });
});
