import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { connectDevice, type Fixture, startFixture, until } from '../../test/support/local/broker';
import { createDurablePersistence } from './durable-persistence';

const TOPIC = 'dt/pulsepet/pet-route/telemetry';

/**
 * The durable persistence whose `subscriptionsByTopic` (the first step of routing a
 * QoS 1 publish: which persistent sessions must queue it) waits on TOPIC until released.
 */
async function gatedPersistence(dir: string) {
  const persistence = await createDurablePersistence(dir, silentLogger());
  const lookup = persistence.subscriptionsByTopic.bind(persistence);
  let enter: () => void = () => {};
  let release: () => void = () => {};
  const entered = new Promise<void>((r) => {
    enter = r;
  });
  const released = new Promise<void>((r) => {
    release = r;
  });
  persistence.subscriptionsByTopic = async (topic: string) => {
    if (topic === TOPIC) {
      enter();
      await released;
    }
    return lookup(topic);
  };
  return { persistence, entered, release };
}

describe('Function: startBroker (a QoS 1 publish is routed before its PUBACK)', () => {
  let fx: Fixture | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** A device publishing TOPIC at QoS 1, an observer of the routed messages, and whether the PUBACK came. */
  async function publishThroughGate() {
    dir = mkdtempSync(join(tmpdir(), 'pp-ack-route-'));
    const gate = await gatedPersistence(dir);
    fx = await startFixture({ persistence: gate.persistence });
    const routed: string[] = [];
    fx.broker.onPublish(TOPIC, (m) => void routed.push(m.payload.toString()));
    const dev = await fx.device('pet-route');
    const out = await connectDevice(fx, dev, 'pet-route');
    if (!out.ok) throw new Error(out.error);
    const state = { acked: false };
    // a publish the broker stop cut off stays unacknowledged (MQTT.js rejects it on close)
    const publish = out.client.publishAsync(TOPIC, '{"seq":1}', { qos: 1 }).then(
      () => {
        state.acked = true;
      },
      () => {},
    );
    await gate.entered;
    return { gate, routed, state, publish, client: out.client };
  }

  it('holds the PUBACK until the message is routed, retained store and persistent-session queues included', async () => {
    const { gate, routed, state, publish, client } = await publishThroughGate();
    await new Promise((r) => setTimeout(r, 150));
    expect(state.acked).toBe(false);
    expect(routed).toEqual([]);
    gate.release();
    await publish;
    expect(state.acked).toBe(true);
    // routed before the PUBACK went out: the observer already has it
    expect(routed).toEqual(['{"seq":1}']);
    await client.endAsync();
  });

  it('does not acknowledge a publish whose routing the broker stop cut off, so the device sends it again', async () => {
    const { gate, routed, state, client } = await publishThroughGate();
    const closed = fx!.broker.close();
    gate.release();
    await closed;
    await until(() => !client.connected, 5000, 'the device to see the broker gone');
    // aedes 1.2 on its own wrote the PUBACK first: the device took the message for delivered while no one got it
    expect({ acked: state.acked, routed }).toEqual({ acked: false, routed: [] });
    client.end(true);
  });
});
