import { GetThingShadowCommand, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribeCodes } from '../../test/support/local/broker';
import { type ShadowHarness, startShadowHarness } from '../../test/support/local/shadow/harness';

function closed(client: MqttClient, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (client.disconnected || !client.connected) return resolve();
    const t = setTimeout(() => reject(new Error(`client not closed within ${ms} ms`)), ms);
    client.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

async function shadowOf(h: ShadowHarness, thingName: string, shadowName?: string): Promise<Record<string, unknown>> {
  const out = await h.iotdata.send(new GetThingShadowCommand(shadowName ? { thingName, shadowName } : { thingName }));
  return JSON.parse(Buffer.from(out.payload ?? new Uint8Array()).toString('utf8'));
}

// The pulsepet-device policy decides which thing's shadow topics a client may use
// (enforced by the broker); these check the end-to-end effect on shadows.
describe('Shadow isolation between devices (pulsepet-device policy)', () => {
  let h: ShadowHarness;
  beforeAll(async () => {
    h = await startShadowHarness();
    await h.iotdata.send(
      new UpdateThingShadowCommand({ thingName: 'victim', shadowName: 'pet', payload: Buffer.from('{"state":{"desired":{"mood":"calm"}}}') }),
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it("refuses a device's subscription to another thing's shadow topics with 0x80 but grants its own", async () => {
    const intruder = await h.connect('intruder-1');
    const codes = await subscribeCodes(intruder, {
      '$aws/things/intruder-1/shadow/#': { qos: 1 },
      '$aws/things/victim/shadow/name/pet/update/delta': { qos: 1 },
      '$aws/things/victim/shadow/#': { qos: 1 },
      '$aws/things/+/shadow/#': { qos: 1 },
    });
    expect(codes).toEqual([1, 128, 128, 128]);
  });

  it("does not let a device change another thing's shadow: the connection is closed and the shadow is unchanged", async () => {
    const intruder = await h.connect('intruder-2');
    const gone = closed(intruder);
    intruder.publish('$aws/things/victim/shadow/name/pet/update', '{"state":{"desired":{"mood":"sick"}}}', { qos: 1 });
    await gone;
    const shadow = await shadowOf(h, 'victim', 'pet');
    expect(shadow).toMatchObject({ state: { desired: { mood: 'calm' } }, version: 1 });
  });

  it("does not let a device read or delete another thing's shadow", async () => {
    const intruder = await h.connect('intruder-3');
    const received: string[] = [];
    intruder.on('message', (topic) => received.push(topic));
    await intruder.subscribeAsync('$aws/things/intruder-3/shadow/#', { qos: 1 });
    const gone = closed(intruder);
    intruder.publish('$aws/things/victim/shadow/name/pet/get', '{}', { qos: 1 });
    await gone;
    const again = await h.connect('intruder-3');
    const gone2 = closed(again);
    again.publish('$aws/things/victim/shadow/name/pet/delete', '{}', { qos: 1 });
    await gone2;
    expect(received.filter((t) => t.includes('victim'))).toEqual([]);
    expect(await shadowOf(h, 'victim', 'pet')).toMatchObject({ version: 1 });
  });

  it("delivers a thing's deltas to that thing only", async () => {
    const owner = await h.connect('victim');
    const other = await h.connect('bystander');
    const seen: Record<string, string[]> = { victim: [], bystander: [] };
    owner.on('message', (t) => seen.victim?.push(t));
    other.on('message', (t) => seen.bystander?.push(t));
    await owner.subscribeAsync('$aws/things/victim/shadow/name/pet/update/delta', { qos: 1 });
    await other.subscribeAsync('$aws/things/bystander/shadow/#', { qos: 1 });
    const delta = new Promise<void>((resolve) => owner.once('message', () => resolve()));
    await h.iotdata.send(
      new UpdateThingShadowCommand({ thingName: 'victim', shadowName: 'pet', payload: Buffer.from('{"state":{"desired":{"mood":"happy"}}}') }),
    );
    await delta;
    expect(seen.victim).toEqual(['$aws/things/victim/shadow/name/pet/update/delta']);
    expect(seen.bystander).toEqual([]);
  });
});
