import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES } from '../../protocol/telemetry';
import { type DisconnectedEvent, disconnectedEventSchema } from './presence';
import { connectDevice, type Device, type Fixture, startFixture, subscribeCodes, until, waitFor } from '../../test/support/local/broker';

let fx: Fixture;
let dev: Device;
const disconnects: DisconnectedEvent[] = [];

beforeAll(async () => {
  fx = await startFixture();
  dev = await fx.device('pet-lim');
  fx.broker.onPublish('$aws/events/presence/disconnected/+', (m) => {
    disconnects.push(disconnectedEventSchema.parse(JSON.parse(m.payload.toString())));
  });
});
afterAll(async () => {
  await fx?.close();
});

async function connect(): Promise<MqttClient> {
  const out = await connectDevice(fx, dev, 'pet-lim');
  if (!out.ok) throw new Error(out.error);
  return out.client;
}

/** Waits for the connection to close and returns the lifecycle reason the broker published. */
async function closedWith(client: MqttClient): Promise<string> {
  const before = disconnects.length;
  if (client.connected) await waitFor<void>((r) => client.once('close', () => r()), 5000, 'close');
  client.end(true);
  await until(() => disconnects.length > before, 5000, 'disconnected lifecycle event');
  return disconnects[disconnects.length - 1]?.disconnectReason ?? '';
}

describe('Function: startBroker (IoT Core limits, defaults)', () => {
  it('accepts a payload of exactly 128 KB and closes the connection for one byte more', async () => {
    const client = await connect();
    let routed = 0;
    const off = fx.broker.onPublish('dt/pulsepet/pet-lim/big', () => {
      routed++;
    });
    await client.publishAsync('dt/pulsepet/pet-lim/big', Buffer.alloc(MAX_PAYLOAD_BYTES), { qos: 1 });
    await until(() => routed === 1, 5000, 'the 128 KB publish to be routed');
    client.publish('dt/pulsepet/pet-lim/big', Buffer.alloc(MAX_PAYLOAD_BYTES + 1), { qos: 0 });
    expect(await closedWith(client)).toBe('CLIENT_ERROR');
    expect(routed).toBe(1);
    off();
  });

  it('closes the connection for a publish to a topic with 8 slashes', async () => {
    const client = await connect();
    client.publish('dt/pulsepet/pet-lim/a/b/c/d/e/f', 'x');
    expect(await closedWith(client)).toBe('CLIENT_ERROR');
  });

  it('closes the connection for a publish to a topic longer than 256 bytes', async () => {
    const client = await connect();
    client.publish(`dt/pulsepet/pet-lim/${'x'.repeat(240)}`, 'x');
    expect(await closedWith(client)).toBe('CLIENT_ERROR');
  });

  it('exempts $aws reserved topics from the slash limit (named shadow topics have 8)', async () => {
    const client = await connect();
    const codes = await subscribeCodes(client, { '$aws/things/pet-lim/shadow/name/pet/update/accepted': { qos: 1 } });
    expect(codes).toEqual([1]);
    await client.endAsync();
  });

  it('refuses a subscription whose filter has more than 7 slashes with 0x80 and keeps the connection', async () => {
    const client = await connect();
    const codes = await subscribeCodes(client, {
      'dt/pulsepet/pet-lim/a/b/c/d/e/f': { qos: 1 },
      'dt/pulsepet/pet-lim/ok': { qos: 1 },
    });
    expect(codes).toEqual([128, 1]);
    expect(client.connected).toBe(true);
    await client.endAsync();
  });

  it('grants QoS 1 when a subscription asks for QoS 2 (IoT Core has no QoS 2)', async () => {
    const client = await connect();
    expect(await subscribeCodes(client, { 'dt/pulsepet/pet-lim/q2': { qos: 2 } })).toEqual([1]);
    await client.endAsync();
  });

  it('accepts 8 topic filters in one SUBSCRIBE and closes the connection for 9', async () => {
    const client = await connect();
    const eight = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`dt/pulsepet/pet-lim/e${i}`, { qos: 0 as const }]));
    expect(await subscribeCodes(client, eight)).toEqual(Array(8).fill(0));
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`dt/pulsepet/pet-lim/n${i}`, { qos: 0 as const }]));
    client.subscribe(nine, () => {});
    expect(await closedWith(client)).toBe('CLIENT_ERROR');
  });

  it('refuses the 51st subscription of a connection with 0x80', async () => {
    const client = await connect();
    const codes: number[] = [];
    for (let batch = 0; batch < 7; batch++) {
      const filters = Object.fromEntries(
        Array.from({ length: 8 }, (_, i) => [`dt/pulsepet/pet-lim/s${batch * 8 + i}`, { qos: 0 as const }]).slice(
          0,
          batch === 6 ? 3 : 8,
        ),
      );
      codes.push(...(await subscribeCodes(client, filters)));
    }
    expect(codes).toHaveLength(51);
    expect(codes.slice(0, 50).every((c) => c === 0)).toBe(true);
    expect(codes[50]).toBe(128);
    // re-subscribing to a filter it already holds does not count twice
    expect(await subscribeCodes(client, { 'dt/pulsepet/pet-lim/s0': { qos: 1 } })).toEqual([1]);
    await client.endAsync();
  });

  it('admits a 128-byte client id and refuses a 129-byte one at CONNECT', async () => {
    await fx.registry.createPolicy(
      'connect-any',
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] }),
    );
    const anyId = await fx.device('pet-anyid', { policy: false });
    await fx.registry.attachPolicy('connect-any', anyId.certificateArn);
    const ok = await connectDevice(fx, anyId, 'p'.repeat(128));
    expect(ok.ok).toBe(true);
    if (ok.ok) await ok.client.endAsync();
    const refused = await connectDevice(fx, anyId, 'p'.repeat(129));
    expect(refused).toEqual({ ok: false, error: expect.stringMatching(/Identifier rejected/i) });
  });

  it('closes the connection of a QoS 2 publish (IoT Core supports QoS 0 and 1)', async () => {
    const client = await connect();
    client.publish('dt/pulsepet/pet-lim/q', 'x', { qos: 2 });
    expect(await closedWith(client)).toBe('CLIENT_ERROR');
  });
});

describe('Function: startBroker (IoT Core limits, lowered)', () => {
  let low: Fixture;
  let d: Device;
  const events: DisconnectedEvent[] = [];
  beforeAll(async () => {
    low = await startFixture({ limits: { publishesPerSecond: 5, keepAliveMinSeconds: 1, keepAliveMaxSeconds: 1 } });
    d = await low.device('pet-low');
    low.broker.onPublish('$aws/events/presence/disconnected/+', (m) => {
      events.push(disconnectedEventSchema.parse(JSON.parse(m.payload.toString())));
    });
  });
  afterAll(async () => {
    await low?.close();
  });

  it('acknowledges but drops publishes beyond the per-connection rate', async () => {
    const out = await connectDevice(low, d, 'pet-low', { keepalive: 60 });
    if (!out.ok) throw new Error(out.error);
    let routed = 0;
    low.broker.onPublish('dt/pulsepet/pet-low/burst', () => {
      routed++;
    });
    let marker = false;
    low.broker.onPublish('marker', () => {
      marker = true;
    });
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => out.client.publishAsync('dt/pulsepet/pet-low/burst', String(i), { qos: 1 })),
    );
    await low.broker.publish('marker', 'm', { qos: 1 });
    await until(() => marker, 5000, 'marker');
    expect(routed).toBeGreaterThanOrEqual(5);
    expect(routed).toBeLessThan(12);
    expect(out.client.connected).toBe(true);
    await out.client.endAsync();
  });

  it('treats keep-alive 0 as the maximum keep-alive and closes a silent client after 1.5× of it', async () => {
    const out = await connectDevice(low, d, 'pet-low', { keepalive: 0 });
    if (!out.ok) throw new Error(out.error);
    const before = events.length;
    await waitFor<void>((r) => out.client.once('close', () => r()), 5000, 'keep-alive close');
    out.client.end(true);
    await until(() => events.length > before, 5000, 'disconnect event');
    expect(events.at(-1)?.disconnectReason).toBe('MQTT_KEEP_ALIVE_TIMEOUT');
  });
});
