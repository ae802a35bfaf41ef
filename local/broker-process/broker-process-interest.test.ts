import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/local/broker';
import { awsClientConfig, connectMqtt, provisionTestDevice } from '../../test/support/local/stack';
import { type LocalStack, startLocalStack } from '../stack';

const stacks: LocalStack[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close();
});

async function start(dataDir = mkdtempSync(join(tmpdir(), 'pp-brokerproc-interest-'))): Promise<LocalStack> {
  const s = await startLocalStack({ dataDir, brokerProcess: true });
  stacks.push(s);
  return s;
}

/** The stack's "could anyone in the broker receive this?" (what the shadow service asks). */
const hasSubscribers = (s: LocalStack, topic: string) => (s.bus as { hasSubscribers?(t: string): boolean }).hasSubscribers?.(topic) ?? true;

describe('Function: startLocalStack with brokerProcess: who could receive a topic', () => {
  it('knows a subscription once its SUBACK is back, and that nobody subscribes to a server-only shadow', async () => {
    const stack = await start();
    const reasoning = '$aws/things/pet-7/shadow/name/reasoning/update/accepted';
    const delta = '$aws/things/pet-7/shadow/name/pet/update/delta';
    expect(hasSubscribers(stack, reasoning)).toBe(false);
    expect(hasSubscribers(stack, delta)).toBe(false);
    const device = await provisionTestDevice(stack, 'pet-7');
    const client = await connectMqtt(stack, device);
    await client.subscribeAsync(delta, { qos: 1 });
    // at once: the SUBACK waited for the stack to have the filter
    expect(hasSubscribers(stack, delta)).toBe(true);
    expect(hasSubscribers(stack, reasoning)).toBe(false);
    const received = waitFor<string>((resolve) => client.on('message', (t, p) => resolve(`${t} ${p}`)), 5_000, 'the pet delta');
    const data = new IoTDataPlaneClient(awsClientConfig(stack));
    await data.send(new UpdateThingShadowCommand({ thingName: 'pet-7', shadowName: 'pet', payload: Buffer.from('{"state":{"desired":{"mood":"calm"}}}') }));
    data.destroy();
    const [topic, body] = (await received).split(' ');
    expect(topic).toBe(delta);
    expect(JSON.parse(body ?? '{}').state).toEqual({ mood: 'calm' });
    await client.endAsync();
  });

  it('counts the filters of the stacks own observers and of sessions kept from before a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pp-brokerproc-interest-'));
    const first = await start(dataDir);
    first.bus.onPublish('ops/+/alerts', () => {});
    expect(hasSubscribers(first, 'ops/site-1/alerts')).toBe(true);
    const device = await provisionTestDevice(first, 'pet-8');
    const c1 = await connectMqtt(first, device, { clean: false });
    await c1.subscribeAsync('$aws/things/pet-8/shadow/update/delta', { qos: 1 });
    await c1.endAsync();
    await first.close();
    stacks.pop();
    const second = await start(dataDir);
    // before the device is back: its kept session queues what is published for it
    expect(hasSubscribers(second, '$aws/things/pet-8/shadow/update/delta')).toBe(true);
    expect(hasSubscribers(second, '$aws/things/pet-8/shadow/update/accepted')).toBe(false);
  });
});
