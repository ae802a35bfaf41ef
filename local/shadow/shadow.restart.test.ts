import { GetThingShadowCommand, ListNamedShadowsForThingCommand } from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ShadowHarness, startShadowHarness } from '../../test/support/local/shadow/harness';
import { mqttTransport } from '../../test/support/local/shadow/transports';

describe('Shadow persistence across a local stack restart', () => {
  let h: ShadowHarness;
  beforeAll(async () => {
    h = await startShadowHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('serves every acknowledged update and the deleted-shadow version after the stack restarts', async () => {
    const mqtt = mqttTransport((thing) => h.connect(thing));
    for (let i = 1; i <= 5; i++) {
      const r = await mqtt.call('update', 'persist-1', 'pet', { state: { desired: { mood: 'happy', n: i } } });
      expect(r).toMatchObject({ ok: true, body: { version: i } });
    }
    await mqtt.call('update', 'persist-1', 'config', { state: { reported: { units: 'metric' } } });
    await mqtt.call('update', 'persist-1', 'old', { state: { reported: { x: 1 } } });
    expect(await mqtt.call('delete', 'persist-1', 'old')).toMatchObject({ ok: true, body: { version: 1 } });
    await mqtt.close();

    await h.restart();

    const got = await h.iotdata.send(new GetThingShadowCommand({ thingName: 'persist-1', shadowName: 'pet' }));
    expect(JSON.parse(Buffer.from(got.payload ?? new Uint8Array()).toString('utf8'))).toMatchObject({
      state: { desired: { mood: 'happy', n: 5 } },
      version: 5,
    });
    const list = await h.iotdata.send(new ListNamedShadowsForThingCommand({ thingName: 'persist-1' }));
    expect(list.results).toEqual(['config', 'pet']);
    const again = mqttTransport((thing) => h.connect(thing));
    expect(await again.call('update', 'persist-1', 'old', { state: { reported: { x: 2 } } })).toMatchObject({
      ok: true,
      body: { version: 2 },
    });
    await again.close();
  });
});
