import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { AedesPool, connectInProcess, type Device, type RegistryFixture, startRegistryFixture, TEST_REGION, until } from '../../test/support/local/broker';
import { BrokerAuthorizer, type BrokerPrincipal } from './authz';
import { createConnectHooks } from './connect-authorization';
import { ConnectionTable } from './connections';
import type { HookDeps } from './hooks';
import { LifecycleEvents } from './lifecycle';
import { resolveLimits } from './limits';
import { publishRefusal } from './publish-authorization';
import { PublishThrottle } from './publish-throttle';
import type { Session } from './session';
import { subscriptionRefusal } from './subscribe-authorization';

let fx: RegistryFixture;
let dev: Device;
let authorizer: BrokerAuthorizer;
const limits = resolveLimits({ maxPayloadBytes: 16, maxSubscriptionsPerConnection: 2 });

beforeAll(async () => {
  fx = await startRegistryFixture();
  dev = await fx.device('pet-authz');
  authorizer = new BrokerAuthorizer(fx.registry, TEST_REGION, silentLogger());
});
afterAll(async () => {
  await fx?.close();
});

function principal(d: Device = dev): BrokerPrincipal {
  return { kind: 'certificate', certificateId: d.certificateId, certificateArn: d.certificateArn, caCertificateId: fx.ca.certificateId };
}
/** A device session connected as its thing name (the device policy's `${iot:Connection.Thing.ThingName}`). */
function deviceSession(table = new ConnectionTable(), d: Device = dev): Session {
  const s = table.open(new PassThrough(), principal(d), undefined);
  s.clientId = d.thingName;
  return s;
}

describe('Function: publishRefusal', () => {
  const own = 'dt/pulsepet/pet-authz/telemetry';
  const refusal = (packet: { topic: string; payload?: string; qos?: 0 | 1 | 2; retain?: boolean }) =>
    publishRefusal(deviceSession(), { qos: 0, retain: false, payload: 'x', ...packet }, limits, authorizer);

  it('lets a device publish on its own topics', () => {
    expect(refusal({ topic: own, qos: 1 })).toBeUndefined();
  });

  it.each([
    ['QoS 2', { topic: own, qos: 2 as const }, 'CLIENT_ERROR', 'QoS 2 is not supported'],
    ['a payload over the size limit', { topic: own, payload: 'x'.repeat(17) }, 'CLIENT_ERROR', 'payload exceeds 16 bytes'],
    ['too many slashes', { topic: 'dt/pulsepet/pet-authz/a/b/c/d/e/f' }, 'CLIENT_ERROR', 'topic has more than 7 forward slashes'],
    ['the reserved $SYS tree', { topic: '$SYS/broker' }, 'AUTH_ERROR', '$SYS topics are reserved'],
    ["another thing's topic", { topic: 'dt/pulsepet/other/telemetry' }, 'AUTH_ERROR', 'PUBLISH not authorized'],
    ['a retained publish without iot:RetainPublish', { topic: own, retain: true }, 'AUTH_ERROR', 'retained PUBLISH not authorized'],
  ])('refuses %s', (_what, packet, reason, message) => {
    expect(refusal(packet)).toEqual({ reason, message });
  });
});

describe('Function: subscriptionRefusal', () => {
  it('grants own filters up to the per-connection limit, a held filter again, and refuses the rest', () => {
    const s = deviceSession();
    const f1 = '$aws/things/pet-authz/shadow/update/accepted';
    const f2 = 'dt/pulsepet/pet-authz/+';
    expect(subscriptionRefusal(s, f1, limits, authorizer)).toBeUndefined();
    s.subscriptions.add(f1);
    expect(subscriptionRefusal(s, f2, limits, authorizer)).toBeUndefined();
    s.subscriptions.add(f2);
    expect(subscriptionRefusal(s, f1, limits, authorizer)).toBeUndefined();
    expect(subscriptionRefusal(s, '$aws/things/pet-authz/shadow/get/accepted', limits, authorizer)).toBe('per-connection limit');
    expect(subscriptionRefusal(deviceSession(), 'dt/pulsepet/other/+', limits, authorizer)).toBe('not authorized');
    expect(subscriptionRefusal(deviceSession(), `dt/${'x'.repeat(300)}`, limits, authorizer)).toBe('topic exceeds 256 bytes');
  });
});

describe('Function: createConnectHooks', () => {
  const pool = new AedesPool();
  afterEach(() => pool.closeAll());

  async function start() {
    const table = new ConnectionTable();
    const failed: string[] = [];
    const lifecycle = new LifecycleEvents(async (topic) => void failed.push(topic), silentLogger());
    const deps: HookDeps = {
      limits,
      authorizer,
      log: silentLogger(),
      connections: table,
      lifecycle,
      throttle: new PublishThrottle(limits.publishesPerSecond, silentLogger()),
      beforeAck: () => undefined,
      routeNow: () => Promise.resolve(),
      addresseeOf: () => undefined,
      subscriptionGranted: () => {},
    };
    const aedes = await pool.start({ ...createConnectHooks(deps), maxClientsIdLength: 128 });
    table.trackRegistrations(aedes);
    /** connects as `clientId` over an in-process stream, the session bound as admit() would */
    const connect = (clientId: string) => {
      const s = table.open(new PassThrough(), principal(), '127.0.0.1');
      const done = connectInProcess(aedes, { clientId }, (c) => table.bind(s, c)).then(
        (client) => ({ ok: true as const, client }),
        (err: Error) => ({ ok: false as const, error: err.message }),
      );
      return { s, done };
    };
    return { connect, failed };
  }

  it('accepts a device connecting as its thing name and resolves the thing', async () => {
    const { connect } = await start();
    const { s, done } = connect(dev.thingName);
    const out = await done;
    if (!out.ok) throw new Error(out.error);
    expect(s).toMatchObject({ clientId: dev.thingName, thingName: dev.thingName });
    await out.client.endAsync();
  });

  it('hangs up without CONNACK when iot:Connect is denied, with a connect_failed event', async () => {
    const { connect, failed } = await start();
    const { s, done } = connect('someone-else');
    expect(await done).toEqual({ ok: false, error: 'connection closed before CONNACK' });
    expect(s.reason).toBe('AUTH_ERROR');
    expect(failed).toEqual(['$aws/events/presence/connect_failed/someone-else']);
  });

  it('refuses a client id over 128 UTF-8 bytes with identifier rejected', async () => {
    const { connect } = await start();
    const out = await connect('é'.repeat(65)).done;
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toMatch(/Identifier rejected/i);
  });

  it('marks the older connection of a reused client id as DUPLICATE_CLIENTID', async () => {
    const { connect } = await start();
    const first = connect(dev.thingName);
    const a = await first.done;
    const second = connect(dev.thingName);
    const b = await second.done;
    if (!a.ok || !b.ok) throw new Error('not connected');
    await until(() => first.s.reason !== undefined, 5000, 'takeover');
    expect(first.s.reason).toBe('DUPLICATE_CLIENTID');
    expect(second.s.reason).toBeUndefined();
    a.client.end(true);
    await b.client.endAsync();
  });
});

describe('Class: BrokerAuthorizer', () => {
  it('gives devices that share a policy the rights of their own thing each, and follows a policy attached to one of them', async () => {
    const a = await fx.device('pet-share-a');
    const b = await fx.device('pet-share-b');
    const authz = new BrokerAuthorizer(fx.registry, TEST_REGION, silentLogger());
    const [sa, sb] = [deviceSession(undefined, a), deviceSession(undefined, b)];
    const may = (s: Session, topic: string) => authz.allowedOnTopic(s, 'iot:Publish', topic);
    expect([may(sa, 'dt/pulsepet/pet-share-a/telemetry'), may(sa, 'dt/pulsepet/pet-share-b/telemetry')]).toEqual([true, false]);
    expect([may(sb, 'dt/pulsepet/pet-share-b/telemetry'), may(sb, 'dt/pulsepet/pet-share-a/telemetry')]).toEqual([true, false]);

    const extra = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `arn:aws:iot:${TEST_REGION}:*:topic/extra/*` }] };
    await fx.registry.createPolicy('pet-share-extra', JSON.stringify(extra));
    await fx.registry.attachPolicy('pet-share-extra', a.certificateArn);
    authz.invalidate();
    expect([may(sa, 'extra/1'), may(sb, 'extra/1')]).toEqual([true, false]);
    expect([may(sa, 'dt/pulsepet/pet-share-a/telemetry'), may(sb, 'dt/pulsepet/pet-share-b/telemetry'), may(sb, 'dt/pulsepet/pet-share-a/telemetry')]).toEqual([true, true, false]);
  });
});
