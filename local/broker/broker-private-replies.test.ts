import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, type Fixture, startFixture, until } from '../../test/support/local/broker';
import { isPrivateReplyTopic } from './private-replies';

const OPEN_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] });
const REPLY = '$aws/certificates/create/json/accepted';

let fx: Fixture;
const clients: MqttClient[] = [];
beforeAll(async () => {
  fx = await startFixture();
  await fx.registry.createPolicy('open', OPEN_POLICY);
});
afterAll(async () => {
  for (const c of clients) c.end(true);
  await fx?.close();
});

/** A connected device subscribed to the reply topic, with what it received and its session id. */
async function subscriber(name: string): Promise<{ got: string[]; sessionId: string; client: MqttClient }> {
  const d = await fx.device(name, { policy: false });
  await fx.registry.attachPolicy('open', d.certificateArn);
  const got: string[] = [];
  const o = await connectDevice(fx, d, name, {}, (_t, p) => got.push(p.toString()));
  if (!o.ok) throw new Error(o.error);
  clients.push(o.client);
  await o.client.subscribeAsync(REPLY, { qos: 1 });
  let sessionId: string | undefined;
  const off = fx.broker.onPublish(`hello/${name}`, (m) => {
    sessionId = m.origin.sessionId;
  });
  await o.client.publishAsync(`hello/${name}`, 'x', { qos: 1 });
  await until(() => sessionId !== undefined, 5000, 'origin of the hello');
  off();
  return { got, sessionId: sessionId!, client: o.client };
}

describe('Addressed publishes (fleet provisioning replies)', () => {
  it('reach only the connection they are addressed to, never another subscriber of the topic', async () => {
    const a = await subscriber('addr-a');
    const b = await subscriber('addr-b');
    expect(a.sessionId).not.toBe(b.sessionId);
    await fx.broker.publish(REPLY, 'for-a', { qos: 1, to: a.sessionId });
    await fx.broker.publish(REPLY, 'for-b', { qos: 1, to: b.sessionId });
    await until(() => a.got.length === 1 && b.got.length === 1, 5000, 'both replies');
    expect(a.got).toEqual(['for-a']);
    expect(b.got).toEqual(['for-b']);
  });

  it('drops a reply-topic message that is addressed to nobody (cloud or device publish)', async () => {
    const a = await subscriber('addr-c');
    await fx.broker.publish(REPLY, 'to-everyone', { qos: 1 });
    await a.client.publishAsync(REPLY, 'from-a-device', { qos: 1 });
    await fx.broker.publish(REPLY, 'sentinel', { qos: 1, to: a.sessionId });
    await until(() => a.got.length > 0, 5000, 'the sentinel');
    expect(a.got).toEqual(['sentinel']);
  });
});

describe('Function: isPrivateReplyTopic', () => {
  it.each([
    ['$aws/certificates/create/json/accepted', true],
    ['$aws/certificates/create-from-csr/cbor/rejected', true],
    ['$aws/provisioning-templates/fleet-a/provision/json/accepted', true],
    ['$aws/certificates/create/json', false],
    ['$aws/provisioning-templates/fleet-a/provision/json', false],
    ['$aws/things/pet-1/shadow/update/accepted', false],
    ['dt/pulsepet/pet-1/telemetry', false],
  ])('%s → %s', (topic, expected) => {
    expect(isPrivateReplyTopic(topic)).toBe(expected);
  });
});
