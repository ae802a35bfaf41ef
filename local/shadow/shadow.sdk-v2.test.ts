import { iot, iotshadow, mqtt } from 'aws-iot-device-sdk-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ShadowHarness, startShadowHarness } from '../../test/support/local/shadow/harness';

/**
 * Subscribes through `register`; `subscribed` resolves on SUBACK and `value` with
 * the first message the handler hands over (or rejects after `ms`).
 */
function first<T>(
  ms: number,
  what: string,
  register: (done: (v: T) => void) => Promise<unknown>,
): { subscribed: Promise<unknown>; value: Promise<T> } {
  let subscribed: Promise<unknown> = Promise.resolve();
  const value = new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    subscribed = register((v) => {
      clearTimeout(t);
      resolve(v);
    });
    subscribed.catch(reject);
  });
  return { subscribed, value };
}

// The agent may talk to shadows through aws-iot-device-sdk-v2's shadow client
// (MQTT 3.1.1); its deserializers must accept what the local service publishes.
describe('Shadows through aws-iot-device-sdk-v2 IotShadowClient (MQTT 3.1.1, mTLS)', () => {
  let h: ShadowHarness;
  let conn: mqtt.MqttClientConnection | undefined;
  const crt = new mqtt.MqttClient();

  beforeAll(async () => {
    h = await startShadowHarness();
    const device = await h.provision('sdk-shadow');
    const url = new URL(h.mqttUrl);
    const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(device.certificatePem, device.privateKeyPem)
      .with_certificate_authority(device.caPem)
      .with_endpoint(url.hostname)
      .with_port(Number(url.port))
      .with_client_id('sdk-shadow')
      .with_clean_session(true)
      .with_keep_alive_seconds(60)
      .build();
    conn = crt.new_connection(config);
    await conn.connect();
  });

  afterAll(async () => {
    if (conn) await Promise.race([conn.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    await h?.close();
  });

  it('updates a named shadow and receives the typed accepted response, delta and documents events', async () => {
    if (!conn) throw new Error('not connected');
    const shadow = new iotshadow.IotShadowClient(conn);
    const req = { thingName: 'sdk-shadow', shadowName: 'pet' };
    const q = mqtt.QoS.AtLeastOnce;
    const accepted = first<iotshadow.model.UpdateShadowResponse>(5000, 'accepted', (done) =>
      shadow.subscribeToUpdateNamedShadowAccepted(req, q, (err, r) => {
        if (!err && r) done(r);
      }),
    );
    const delta = first<iotshadow.model.ShadowDeltaUpdatedEvent>(5000, 'delta', (done) =>
      shadow.subscribeToNamedShadowDeltaUpdatedEvents(req, q, (err, r) => {
        if (!err && r) done(r);
      }),
    );
    const docs = first<iotshadow.model.ShadowUpdatedEvent>(5000, 'documents', (done) =>
      shadow.subscribeToNamedShadowUpdatedEvents(req, q, (err, r) => {
        if (!err && r) done(r);
      }),
    );
    await Promise.all([accepted.subscribed, delta.subscribed, docs.subscribed]);
    await shadow.publishUpdateNamedShadow({ ...req, state: { desired: { mood: 'happy' } }, clientToken: 'sdk-1' }, q);
    const a = await accepted.value;
    expect(a).toMatchObject({ clientToken: 'sdk-1', version: 1, state: { desired: { mood: 'happy' } } });
    expect(Math.abs(Number(a.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(await delta.value).toMatchObject({ state: { mood: 'happy' }, version: 1, clientToken: 'sdk-1' });
    const d = await docs.value;
    expect(d.previous).toBeNull();
    expect(d.current).toMatchObject({ version: 1, state: { desired: { mood: 'happy' } } });
  });

  it('reads the rejected error response for a stale version', async () => {
    if (!conn) throw new Error('not connected');
    const shadow = new iotshadow.IotShadowClient(conn);
    const req = { thingName: 'sdk-shadow', shadowName: 'pet' };
    const q = mqtt.QoS.AtLeastOnce;
    const rejected = first<iotshadow.model.ErrorResponse>(5000, 'rejected', (done) =>
      shadow.subscribeToUpdateNamedShadowRejected(req, q, (err, r) => {
        if (!err && r) done(r);
      }),
    );
    await rejected.subscribed;
    await shadow.publishUpdateNamedShadow({ ...req, state: { desired: { mood: 'calm' } }, version: 99, clientToken: 'sdk-2' }, q);
    expect(await rejected.value).toMatchObject({ code: 409, message: 'Version conflict', clientToken: 'sdk-2' });
  });
});
