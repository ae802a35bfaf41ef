import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, type Device, type Fixture, durablePersistence, startDurableFixture, startFixture, subscribeCodes, until } from '../../test/support/local/broker';

describe('Function: startBroker (hasSubscribers)', () => {
  let fx: Fixture;
  let dev: Device;

  beforeAll(async () => {
    fx = await startDurableFixture();
    dev = await fx.device('pet-subs');
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('says nobody receives a topic until a device subscribes, and again after it unsubscribes', async () => {
    const accepted = '$aws/things/pet-subs/shadow/update/accepted';
    expect(fx.broker.hasSubscribers(accepted)).toBe(false);
    const c = await connectDevice(fx, dev, 'pet-subs');
    if (!c.ok) throw new Error(c.error);
    expect(await subscribeCodes(c.client, { '$aws/things/pet-subs/shadow/update/+': { qos: 0 } })).toEqual([0]);
    expect(fx.broker.hasSubscribers(accepted)).toBe(true);
    expect(fx.broker.hasSubscribers('$aws/things/other/shadow/update/accepted')).toBe(false);
    await c.client.unsubscribeAsync('$aws/things/pet-subs/shadow/update/+');
    await until(() => !fx.broker.hasSubscribers(accepted), 5000, 'subscription removed');
    await c.client.endAsync();
  });

  it('counts in-process observers until they unsubscribe', () => {
    const topic = '$aws/things/pet-subs/shadow/name/pet/update/documents';
    expect(fx.broker.hasSubscribers(topic)).toBe(false);
    const off = fx.broker.onPublish('$aws/things/+/shadow/name/+/update/documents', () => {});
    expect(fx.broker.hasSubscribers(topic)).toBe(true);
    off();
    expect(fx.broker.hasSubscribers(topic)).toBe(false);
  });

  it('counts the QoS 1 subscription of an offline persistent session, also after a restart', async () => {
    const delta = '$aws/things/pet-subs/shadow/update/delta';
    const first = await connectDevice(fx, dev, 'pet-subs', { clean: false });
    if (!first.ok) throw new Error(first.error);
    expect(await subscribeCodes(first.client, { [delta]: { qos: 1 } })).toEqual([1]);
    await first.client.endAsync();
    expect(fx.broker.hasSubscribers(delta)).toBe(true);

    await fx.restart({ persistence: await durablePersistence(fx) });
    expect(fx.broker.hasSubscribers(delta)).toBe(true);
    await fx.broker.publish(delta, 'queued', { qos: 1 });
    const got: string[] = [];
    const again = await connectDevice(fx, dev, 'pet-subs', { clean: true }, (_t, payload) => got.push(payload.toString()));
    if (!again.ok) throw new Error(again.error);
    // a clean session discards the stored one [MQTT-3.1.2-6]: nobody is left to queue for
    await until(() => !fx.broker.hasSubscribers(delta), 5000, 'persistent subscription discarded');
    expect(got).toEqual([]);
    await again.client.endAsync();
  });

  it('answers true when the persistence cannot tell (the in-memory default)', async () => {
    const plain = await startFixture();
    try {
      expect(plain.broker.hasSubscribers('$aws/things/nobody/shadow/update/accepted')).toBe(true);
    } finally {
      await plain.close();
    }
  });
});
