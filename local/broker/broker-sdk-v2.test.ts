import { mqtt } from 'aws-iot-device-sdk-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Device, type Fixture, startFixture, until } from '../../test/support/local/broker';
import { releaseSdkV2, sdkV2Connection } from '../../test/support/local/sdk-v2';

let fx: Fixture;
let pet: Device;
let other: Device;
const client = new mqtt.MqttClient();

beforeAll(async () => {
  fx = await startFixture();
  pet = await fx.device('sdk-pet');
  other = await fx.device('sdk-other');
});
afterAll(async () => {
  await fx?.close();
});

function connection(device: Device, clientId: string): mqtt.MqttClientConnection {
  return sdkV2Connection(client, { ...device, caPem: fx.ca.certificatePem, port: fx.broker.port, clientId });
}

const release = releaseSdkV2;

describe('Function: startBroker (aws-iot-device-sdk-v2 MQTT 3.1.1 over mTLS)', () => {
  it('connects as its thing, subscribes to its own shadow and receives a cloud update', async () => {
    const conn = connection(pet, 'sdk-pet');
    try {
      expect(await conn.connect()).toBe(false);
      const got: string[] = [];
      const sub = await conn.subscribe('$aws/things/sdk-pet/shadow/name/pet/update/delta', mqtt.QoS.AtLeastOnce, (_t, payload) => {
        got.push(Buffer.from(payload).toString());
      });
      expect(sub.qos).toBe(mqtt.QoS.AtLeastOnce);
      await fx.broker.publish('$aws/things/sdk-pet/shadow/name/pet/update/delta', '{"state":{"mood":"happy"}}', { qos: 1 });
      await until(() => got.length === 1, 5000, 'delta delivery');
      expect(JSON.parse(got[0] ?? '')).toEqual({ state: { mood: 'happy' } });
    } finally {
      await release(conn);
    }
  });

  it('publishes telemetry at QoS 1 that reaches the cloud side with its thing as origin', async () => {
    const conn = connection(pet, 'sdk-pet');
    const seen: Array<{ thing?: string }> = [];
    const off = fx.broker.onPublish('dt/pulsepet/sdk-pet/telemetry', (m) => {
      seen.push({ thing: m.origin.thingName });
    });
    try {
      await conn.connect();
      await conn.publish('dt/pulsepet/sdk-pet/telemetry', '{"v":1}', mqtt.QoS.AtLeastOnce);
      await until(() => seen.length === 1, 5000, 'telemetry on the bus');
      expect(seen).toEqual([{ thing: 'sdk-pet' }]);
    } finally {
      off();
      await release(conn);
    }
  });

  it("is refused 0x80 for another thing's shadow and for a cross-thing wildcard", async () => {
    const conn = connection(pet, 'sdk-pet');
    try {
      await conn.connect();
      const a = await conn.subscribe('$aws/things/sdk-other/shadow/get/accepted', mqtt.QoS.AtLeastOnce);
      const b = await conn.subscribe('dt/pulsepet/+/telemetry', mqtt.QoS.AtLeastOnce);
      expect([a.qos, b.qos]).toEqual([128, 128]);
    } finally {
      await release(conn);
    }
  });

  it('is refused at CONNECT with a client id that is not its thing name', async () => {
    const conn = connection(pet, 'sdk-other');
    try {
      await expect(conn.connect()).rejects.toBeDefined();
    } finally {
      await release(conn);
    }
  });

  it('is interrupted when it publishes to another thing', async () => {
    const conn = connection(other, 'sdk-other');
    try {
      await conn.connect();
      const interrupted = new Promise<void>((resolve) => conn.once('interrupt', () => resolve()));
      conn.publish('dt/pulsepet/sdk-pet/telemetry', '{}', mqtt.QoS.AtMostOnce).catch(() => undefined);
      await interrupted;
    } finally {
      await release(conn);
    }
  });

  it('is refused with a REVOKED certificate', async () => {
    const revoked = await fx.device('sdk-revoked');
    await fx.registry.updateCertificateStatus(revoked.certificateId, 'REVOKED');
    const conn = connection(revoked, 'sdk-revoked');
    try {
      await expect(conn.connect()).rejects.toBeDefined();
    } finally {
      await release(conn);
    }
  });
});
