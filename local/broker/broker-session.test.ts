import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConnectedEvent,
  type ConnectFailedEvent,
  connectedEventSchema,
  connectFailedEventSchema,
  type DisconnectedEvent,
  disconnectedEventSchema,
} from './presence';
import { connectDevice, type Device, type Fixture, durablePersistence, startDurableFixture, startFixture, subscribeCodes, until, waitFor } from '../../test/support/local/broker';

type Presence = ConnectedEvent | DisconnectedEvent;

describe('Function: startBroker (lifecycle events)', () => {
  let fx: Fixture;
  let dev: Device;
  const events: Presence[] = [];
  const failures: ConnectFailedEvent[] = [];

  beforeAll(async () => {
    fx = await startFixture();
    dev = await fx.device('pet-life');
    fx.broker.onPublish('$aws/events/presence/+/+', (m) => {
      const body = JSON.parse(m.payload.toString());
      if (body.eventType === 'connect_failed') return void failures.push(connectFailedEventSchema.parse(body));
      events.push(body.eventType === 'connected' ? connectedEventSchema.parse(body) : disconnectedEventSchema.parse(body));
    });
  });
  afterAll(async () => {
    await fx?.close();
  });

  /** Connects and waits for the broker's `connected` event of that session. */
  async function connect(): Promise<MqttClient> {
    const connectedBefore = events.filter((e) => e.eventType === 'connected').length;
    const out = await connectDevice(fx, dev, 'pet-life');
    if (!out.ok) throw new Error(out.error);
    await until(() => events.filter((e) => e.eventType === 'connected').length > connectedBefore, 5000, 'connected event');
    return out.client;
  }
  async function nextEvents(n: number): Promise<Presence[]> {
    const start = events.length;
    await until(() => events.length >= start + n, 5000, `${n} lifecycle events`);
    return events.slice(start, start + n);
  }

  it('publishes connected and disconnected events with AWS fields for a client-initiated disconnect', async () => {
    const before = events.length;
    const client = await connect();
    await until(() => events.length > before, 5000, 'connected event');
    await client.endAsync();
    await until(() => events.length > before + 1, 5000, 'disconnected event');
    const [c, d] = events.slice(before) as [ConnectedEvent, DisconnectedEvent];
    expect(c).toMatchObject({
      clientId: 'pet-life',
      eventType: 'connected',
      principalIdentifier: dev.certificateId,
      ipAddress: '127.0.0.1',
    });
    expect(d).toMatchObject({
      clientId: 'pet-life',
      eventType: 'disconnected',
      clientInitiatedDisconnect: true,
      disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
      sessionIdentifier: c.sessionIdentifier,
      versionNumber: c.versionNumber,
      principalIdentifier: dev.certificateId,
    });
    expect(d.timestamp).toBeGreaterThanOrEqual(c.timestamp);
  });

  it('increases versionNumber with each connection of a client id and gives each a new sessionIdentifier', async () => {
    const first = await connect();
    await first.endAsync();
    const second = await connect();
    await second.endAsync();
    const all = events.filter((e): e is ConnectedEvent => e.eventType === 'connected' && e.clientId === 'pet-life');
    await until(() => events.filter((e) => e.eventType === 'connected').length >= 2, 5000, 'two sessions');
    const [a, b] = all.slice(-2) as [ConnectedEvent, ConnectedEvent];
    expect(b.versionNumber).toBeGreaterThan(a.versionNumber);
    expect(b.sessionIdentifier).not.toBe(a.sessionIdentifier);
  });

  it('reports CONNECTION_LOST when the network connection drops without DISCONNECT', async () => {
    const client = await connect();
    const pending = nextEvents(1);
    client.stream.destroy();
    client.end(true);
    const [d] = await pending;
    expect(d).toMatchObject({ eventType: 'disconnected', disconnectReason: 'CONNECTION_LOST', clientInitiatedDisconnect: false });
  });

  it('reports DUPLICATE_CLIENTID for the session a second connection with the same client id takes over', async () => {
    const first = await connect();
    const gone = waitFor<void>((r) => first.once('close', () => r()), 5000, 'takeover');
    const start = events.length;
    const second = await connect();
    await gone;
    first.end(true);
    await until(
      () => events.slice(start).some((e) => e.eventType === 'disconnected' && e.disconnectReason === 'DUPLICATE_CLIENTID'),
      5000,
      'DUPLICATE_CLIENTID event',
    );
    await second.endAsync();
  });

  it('reports AUTH_ERROR when the certificate is revoked under a live session', async () => {
    const victim = await fx.device('pet-life-revoked');
    const out = await connectDevice(fx, victim, 'pet-life-revoked');
    if (!out.ok) throw new Error(out.error);
    const start = events.length;
    await fx.registry.updateCertificateStatus(victim.certificateId, 'REVOKED');
    await until(() => events.slice(start).some((e) => e.clientId === 'pet-life-revoked' && e.eventType === 'disconnected'), 5000, 'event');
    const d = events.slice(start).find((e) => e.clientId === 'pet-life-revoked' && e.eventType === 'disconnected') as DisconnectedEvent;
    expect(d.disconnectReason).toBe('AUTH_ERROR');
    out.client.end(true);
  });

  it('publishes a connect_failed event with AUTHORIZATION_FAILURE when the policy refuses CONNECT', async () => {
    const out = await connectDevice(fx, dev, 'not-pet-life');
    expect(out.ok).toBe(false);
    await until(() => failures.length === 1, 5000, 'connect_failed event');
    expect(failures[0]).toMatchObject({
      clientId: 'not-pet-life',
      eventType: 'connect_failed',
      connectFailureReason: 'AUTHORIZATION_FAILURE',
      principalIdentifier: dev.certificateId,
    });
  });

  it('refuses a device subscription to lifecycle topics its policy does not cover', async () => {
    const client = await connect();
    expect(await subscribeCodes(client, { '$aws/events/presence/connected/pet-life': { qos: 1 } })).toEqual([128]);
    await client.endAsync();
  });
});

describe('Function: startBroker (persistent sessions)', () => {
  let fx: Fixture;
  let dev: Device;

  beforeAll(async () => {
    fx = await startDurableFixture();
    dev = await fx.device('pet-persist');
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('keeps QoS 1 subscriptions and queued messages of a clean=false session across a broker restart', async () => {
    const delta = '$aws/things/pet-persist/shadow/update/delta';
    const first = await connectDevice(fx, dev, 'pet-persist', { clean: false });
    if (!first.ok) throw new Error(first.error);
    expect(await subscribeCodes(first.client, { [delta]: { qos: 1 } })).toEqual([1]);
    await first.client.endAsync();

    await fx.broker.publish(delta, 'queued-before-restart', { qos: 1 });
    await fx.restart({ persistence: await durablePersistence(fx) });
    await fx.broker.publish(delta, 'queued-after-restart', { qos: 1 });

    const got: string[] = [];
    const again = await connectDevice(fx, dev, 'pet-persist', { clean: false }, (_t, payload) => got.push(payload.toString()));
    if (!again.ok) throw new Error(again.error);
    expect(again.sessionPresent).toBe(true);
    await until(() => got.length >= 2, 5000, 'queued messages');
    expect(got).toEqual(['queued-before-restart', 'queued-after-restart']);
    await again.client.endAsync();
  });
});
