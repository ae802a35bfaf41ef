import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, type Fixture, startFixture, subscribeCodes, until } from '../../test/support/local/broker';

describe('Function: startBroker (SUBSCRIBE bursts)', () => {
  let fx: Fixture;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    fx = await startFixture();
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await fx?.close();
  });

  it('grants every filter of a burst larger than one turn takes and then delivers to all of them', async () => {
    const things = Array.from({ length: 12 }, (_, i) => `pet-burst-${i}`);
    for (const thing of things) {
      const dev = await fx.device(thing);
      const out = await connectDevice(fx, dev, thing);
      if (!out.ok) throw new Error(out.error);
      clients.push(out.client);
    }
    const ops = ['get', 'update', 'delete'] as const;
    const filters = (thing: string) =>
      Object.fromEntries(
        ops.flatMap((op) => [`$aws/things/${thing}/shadow/${op}/accepted`, `$aws/things/${thing}/shadow/${op}/rejected`]).map((f) => [f, { qos: 1 as const }]),
      );
    // 12 × 6 = 72 filters at once: more than the broker authorizes in one event-loop turn
    const codes = await Promise.all(clients.map((c, i) => subscribeCodes(c, filters(things[i] as string))));
    expect(codes.flat()).toEqual(Array(72).fill(1));
    const got = new Set<string>();
    clients.forEach((c, i) => {
      c.on('message', (topic) => got.add(`${i} ${topic}`));
    });
    for (const thing of things) await fx.broker.publish(`$aws/things/${thing}/shadow/delete/rejected`, '{}', { qos: 1 });
    await until(() => got.size === things.length, 5000, 'one message per device');
    expect([...got].sort()).toEqual(things.map((t, i) => `${i} $aws/things/${t}/shadow/delete/rejected`).sort());
  });
});
