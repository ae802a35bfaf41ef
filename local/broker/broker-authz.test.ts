import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../../certs/index';
import type { PublishOrigin } from '../ports';
import { DEVICE_POLICY_NAME } from '../../protocol/policies';
import { connectDevice, type Device, type Fixture, startFixture, subscribeCodes, waitFor } from '../../test/support/local/broker';

let fx: Fixture;
let petA: Device;
let petB: Device;

beforeAll(async () => {
  fx = await startFixture();
  petA = await fx.device('pet-a');
  petB = await fx.device('pet-b');
});
afterAll(async () => {
  await fx?.close();
});

async function mustConnect(device: Device, clientId = device.thingName): Promise<MqttClient> {
  const out = await connectDevice(fx, device, clientId);
  if (!out.ok) throw new Error(`expected ${clientId} to connect: ${out.error}`);
  return out.client;
}

function closed(client: MqttClient): Promise<void> {
  return waitFor<void>((resolve) => client.once('close', () => resolve()), 5000, 'connection close');
}

describe('Function: startBroker (MQTT.js, pulsepet-device policy)', () => {
  describe('CONNECT', () => {
    it('admits a device whose client id is its attached thing name', async () => {
      const client = await mustConnect(petA);
      expect(client.connected).toBe(true);
      await client.endAsync();
    });

    it('refuses a device whose client id is not its thing name', async () => {
      const out = await connectDevice(fx, petA, 'pet-b');
      expect(out.ok).toBe(false);
      // IoT Core hangs up without a CONNACK
      if (!out.ok) expect(out.error).toBe('connection closed before CONNACK');
    });

    it('refuses a certificate that is not registered', async () => {
      const stray = await fx.device('pet-unregistered', { register: false });
      const out = await connectDevice(fx, stray, 'pet-unregistered');
      expect(out.ok).toBe(false);
    });

    it('refuses a certificate issued by an unknown CA even when the certificate itself is registered', async () => {
      const rogueCa = await createCa({ commonName: 'rogue CA' });
      const rogue = await fx.device('pet-rogue', { issuer: rogueCa });
      const out = await connectDevice(fx, rogue, 'pet-rogue');
      expect(out.ok).toBe(false);
    });

    it('refuses a certificate without any attached policy', async () => {
      const bare = await fx.device('pet-nopolicy', { policy: false });
      const out = await connectDevice(fx, bare, 'pet-nopolicy');
      expect(out.ok).toBe(false);
    });
  });

  describe('PUBLISH', () => {
    it('routes a publish on the own telemetry topic to in-process observers with the device origin', async () => {
      const seen = waitFor<{ topic: string; payload: string; origin: PublishOrigin }>(
        (resolve) => {
          const off = fx.broker.onPublish('dt/pulsepet/+/telemetry', (m) => {
            off();
            resolve({ topic: m.topic, payload: m.payload.toString(), origin: m.origin });
          });
        },
        5000,
        'telemetry on the bus',
      );
      const client = await mustConnect(petA);
      await client.publishAsync('dt/pulsepet/pet-a/telemetry', '{"v":1}', { qos: 1 });
      const m = await seen;
      expect(m).toEqual({
        topic: 'dt/pulsepet/pet-a/telemetry',
        payload: '{"v":1}',
        origin: { clientId: 'pet-a', principal: petA.certificateId, thingName: 'pet-a', sessionId: expect.any(String) },
      });
      await client.endAsync();
    });

    it("closes the connection of a device publishing to another thing's telemetry", async () => {
      const client = await mustConnect(petA);
      const gone = closed(client);
      client.publish('dt/pulsepet/pet-b/telemetry', '{"v":1}', { qos: 0 });
      await gone;
      client.end(true);
    });

    it('closes the connection of a retained publish when the policy grants no iot:RetainPublish', async () => {
      const client = await mustConnect(petA);
      const gone = closed(client);
      client.publish('dt/pulsepet/pet-a/telemetry', '{"v":1}', { qos: 0, retain: true });
      await gone;
      client.end(true);
    });

    it("closes the connection of a device updating another thing's shadow", async () => {
      const client = await mustConnect(petA);
      const gone = closed(client);
      client.publish('$aws/things/pet-b/shadow/update', '{"state":{}}', { qos: 0 });
      await gone;
      client.end(true);
    });
  });

  describe('SUBSCRIBE and RECEIVE', () => {
    it('grants own shadow and telemetry filters and refuses other things and cross-thing wildcards with 0x80', async () => {
      const client = await mustConnect(petA);
      const codes = await subscribeCodes(client, {
        '$aws/things/pet-a/shadow/name/pet/update/delta': { qos: 1 },
        'dt/pulsepet/pet-a/telemetry': { qos: 1 },
        '$aws/things/pet-b/shadow/update/accepted': { qos: 1 },
        'dt/pulsepet/+/telemetry': { qos: 1 },
        'dt/pulsepet/pet-b/telemetry': { qos: 0 },
      });
      expect(codes).toEqual([1, 1, 128, 128, 128]);
      await client.endAsync();
    });

    it('delivers cloud publishes the policy lets it receive and silently drops those it may not receive', async () => {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: IoT policy variable
      const clientVar = '${iot:ClientId}';
      await fx.registry.createPolicy(
        'receive-some',
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'iot:Connect', Resource: `arn:aws:iot:*:*:client/${clientVar}` },
            { Effect: 'Allow', Action: 'iot:Subscribe', Resource: 'arn:aws:iot:*:*:topicfilter/alerts/*' },
            { Effect: 'Allow', Action: 'iot:Receive', Resource: 'arn:aws:iot:*:*:topic/alerts/*' },
            { Effect: 'Deny', Action: 'iot:Receive', Resource: 'arn:aws:iot:*:*:topic/alerts/secret' },
          ],
        }),
      );
      const dev = await fx.device('pet-receiver', { policy: false });
      await fx.registry.attachPolicy('receive-some', dev.certificateArn);
      const client = await mustConnect(dev);
      await client.subscribeAsync('alerts/+', { qos: 1 });
      const got: string[] = [];
      const lastArrived = waitFor<void>(
        (resolve) =>
          client.on('message', (topic) => {
            got.push(topic);
            if (topic === 'alerts/public') resolve();
          }),
        5000,
        'alerts/public',
      );
      await fx.broker.publish('alerts/secret', 'x', { qos: 1 });
      await fx.broker.publish('alerts/public', 'y', { qos: 1 });
      await lastArrived;
      expect(got).toEqual(['alerts/public']);
      await client.endAsync();
    });
  });

  describe('certificate and CA status', () => {
    it('refuses a REVOKED certificate at connect', async () => {
      const dev = await fx.device('pet-revoked');
      await fx.registry.updateCertificateStatus(dev.certificateId, 'REVOKED');
      const out = await connectDevice(fx, dev, 'pet-revoked');
      expect(out.ok).toBe(false);
    });

    it('closes a live session within a second of its certificate being set to REVOKED', async () => {
      const dev = await fx.device('pet-live-revoke');
      const client = await mustConnect(dev);
      const gone = closed(client);
      const t0 = performance.now();
      await fx.registry.updateCertificateStatus(dev.certificateId, 'REVOKED');
      await gone;
      expect(performance.now() - t0).toBeLessThan(1000);
      client.end(true);
    });

    it('closes live sessions and refuses new ones when the issuing CA is set INACTIVE', async () => {
      const ca2 = await createCa({ commonName: 'customer CA' });
      await fx.registry.registerCaCertificate({
        certificateId: ca2.certificateId,
        certificatePem: ca2.certificatePem,
        status: 'ACTIVE',
        autoRegistrationStatus: 'DISABLE',
      });
      const dev = await fx.device('pet-ca2', { issuer: ca2 });
      const client = await mustConnect(dev);
      const gone = closed(client);
      await fx.registry.updateCaCertificate(ca2.certificateId, { status: 'INACTIVE' });
      await gone;
      client.end(true);
      const again = await connectDevice(fx, dev, 'pet-ca2');
      expect(again.ok).toBe(false);
    });
  });

  describe('policy changes', () => {
    it('applies a newly attached Deny to a live connection whose earlier publish was allowed', async () => {
      const dev = await fx.device('pet-policy-change');
      const client = await mustConnect(dev);
      await client.publishAsync('dt/pulsepet/pet-policy-change/telemetry', '{}', { qos: 1 });
      await fx.registry.createPolicy(
        'deny-telemetry',
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'iot:Publish', Resource: 'arn:aws:iot:*:*:topic/dt/pulsepet/*/telemetry' }],
        }),
      );
      await fx.registry.attachPolicy('deny-telemetry', dev.certificateArn);
      const gone = closed(client);
      client.publish('dt/pulsepet/pet-policy-change/telemetry', '{}', { qos: 0 });
      await gone;
      client.end(true);
    });
    it('stops delivering to a live subscriber once a new default policy version no longer grants iot:Receive', async () => {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: IoT policy variable
      const clientVar = '${iot:ClientId}';
      const doc = (receive: string) =>
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'iot:Connect', Resource: `arn:aws:iot:*:*:client/${clientVar}` },
            { Effect: 'Allow', Action: 'iot:Subscribe', Resource: 'arn:aws:iot:*:*:topicfilter/news/*' },
            { Effect: 'Allow', Action: 'iot:Receive', Resource: `arn:aws:iot:*:*:topic/${receive}` },
          ],
        });
      await fx.registry.createPolicy('receive-versioned', doc('news/*'));
      const dev = await fx.device('pet-versioned', { policy: false });
      await fx.registry.attachPolicy('receive-versioned', dev.certificateArn);
      const client = await mustConnect(dev);
      await client.subscribeAsync('news/+', { qos: 1 });
      const got: string[] = [];
      let arrived: (() => void) | undefined;
      client.on('message', (topic, payload) => {
        got.push(`${topic}=${payload.toString()}`);
        if (topic === 'news/marker') arrived?.();
      });
      const marker = () => waitFor<void>((resolve) => (arrived = resolve), 5000, 'news/marker');
      let m = marker();
      await fx.broker.publish('news/sport', '1', { qos: 1 });
      await fx.broker.publish('news/marker', 'a', { qos: 1 });
      await m;
      // the allowed decision for news/sport is now remembered; the new version must still win
      await fx.registry.policyVersions.createVersion('receive-versioned', doc('news/marker'), true);
      m = marker();
      await fx.broker.publish('news/sport', '2', { qos: 1 });
      await fx.broker.publish('news/marker', 'b', { qos: 1 });
      await m;
      expect(got).toEqual(['news/sport=1', 'news/marker=a', 'news/marker=b']);
      await client.endAsync();
    });

    it('closes a live connection at its next publish once the only granting policy is detached', async () => {
      const dev = await fx.device('pet-detached');
      const client = await mustConnect(dev);
      await client.publishAsync('dt/pulsepet/pet-detached/telemetry', '{}', { qos: 1 });
      await fx.registry.detachPolicy(DEVICE_POLICY_NAME, dev.certificateArn);
      const gone = closed(client);
      client.publish('dt/pulsepet/pet-detached/telemetry', '{}', { qos: 0 });
      await gone;
      client.end(true);
    });
  });

  describe('duplicate client id', () => {
    it('closes the first connection when a second connects with the same client id', async () => {
      const first = await mustConnect(petB);
      const firstGone = closed(first);
      const second = await mustConnect(petB);
      await firstGone;
      expect(second.connected).toBe(true);
      first.end(true);
      await second.endAsync();
    });
  });
});
