import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeThingCommand, IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { GetThingShadowCommand, IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { afterEach, describe, expect, it } from 'vitest';
import { CLAIM_POLICY_NAME, claimPolicyDocument, DEVICE_POLICY_NAME, devicePolicyDocument, supersededDevicePolicyDocuments } from '../protocol/policies';
import { summarize } from '../protocol/telemetry';
import { startLocalStack, type LocalStack } from './stack';
import { awsClientConfig, connectMqtt, provisionTestDevice } from '../test/support/local/stack';

const stacks: LocalStack[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close();
});

async function start(dataDir = mkdtempSync(join(tmpdir(), 'pp-stack-'))): Promise<LocalStack> {
  const s = await startLocalStack({ dataDir });
  stacks.push(s);
  return s;
}

describe('Function: startLocalStack', () => {
  it('admits a provisioned device, which publishes telemetry the cloud side sees with its identity', async () => {
    const stack = await start();
    const device = await provisionTestDevice(stack, 'pet-1');
    const seen = new Promise<{ topic: string; thing: string | undefined }>((resolve) => {
      stack.bus.onPublish('dt/pulsepet/+/telemetry', ({ topic, origin }) => resolve({ topic, thing: origin.thingName }));
    });
    const client = await connectMqtt(stack, device);
    const samples = [{ t: Date.now(), hr: 70 }];
    await client.publishAsync(
      'dt/pulsepet/pet-1/telemetry',
      JSON.stringify({ v: 1, batchId: 'b1', seq: 0, samples, summary: summarize(samples) }),
      { qos: 1 },
    );
    expect(await seen).toEqual({ topic: 'dt/pulsepet/pet-1/telemetry', thing: 'pet-1' });
    await client.endAsync();
  });

  it('seeds the device and claim policies on first start', async () => {
    const stack = await start();
    expect(stack.registry.getPolicy(DEVICE_POLICY_NAME)?.policyDocument).toBe(devicePolicyDocument());
    expect(stack.registry.getPolicy(CLAIM_POLICY_NAME)?.policyDocument).toBe(claimPolicyDocument());
  });

  it("moves a data dir's device policy seeded by an earlier pulsepet to the current document, and leaves an operator's edit alone", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pp-stack-'));
    const first = await start(dataDir);
    const [earlier] = supersededDevicePolicyDocuments();
    await first.registry.policyVersions.createVersion(DEVICE_POLICY_NAME, earlier as string, true);
    await first.close();
    stacks.pop();
    const second = await start(dataDir);
    expect(second.registry.getPolicy(DEVICE_POLICY_NAME)?.policyDocument).toBe(devicePolicyDocument());
    const edited = JSON.stringify({ ...JSON.parse(devicePolicyDocument()), Statement: [] });
    await second.registry.policyVersions.createVersion(DEVICE_POLICY_NAME, edited, true);
    await second.close();
    stacks.pop();
    const third = await start(dataDir);
    expect(third.registry.getPolicy(DEVICE_POLICY_NAME)?.policyDocument).toBe(edited);
  });

  it('serves iot and iotdata through the same signed endpoint, and keeps state across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pp-stack-'));
    const first = await start(dataDir);
    await provisionTestDevice(first, 'pet-2');
    const data = new IoTDataPlaneClient(awsClientConfig(first));
    await data.send(
      new UpdateThingShadowCommand({
        thingName: 'pet-2',
        shadowName: 'config',
        payload: Buffer.from(JSON.stringify({ state: { desired: { persona: 'strict' } } })),
      }),
    );
    data.destroy();
    const creds = first.credentials;
    await first.close();
    stacks.pop();

    const second = await start(dataDir);
    expect(second.credentials).toEqual(creds);
    const iot = new IoTClient(awsClientConfig(second));
    const thing = await iot.send(new DescribeThingCommand({ thingName: 'pet-2' }));
    expect(thing.thingName).toBe('pet-2');
    const list = await iot.send(new ListThingsCommand({}));
    expect(list.things?.map((t) => t.thingName)).toContain('pet-2');
    iot.destroy();
    const data2 = new IoTDataPlaneClient(awsClientConfig(second));
    const got = await data2.send(new GetThingShadowCommand({ thingName: 'pet-2', shadowName: 'config' }));
    const doc = JSON.parse(Buffer.from(got.payload ?? new Uint8Array()).toString()) as {
      state: { desired: { persona: string } };
    };
    expect(doc.state.desired.persona).toBe('strict');
    data2.destroy();
  });

  it("keeps the display's identity pool across a restart; credentials issued before it are refused after it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pp-stack-'));
    const first = await start(dataDir);
    const poolId = first.display.identityPoolId;
    const creds = await fromCognitoIdentityPool({ identityPoolId: poolId, clientConfig: { region: first.region, endpoint: first.httpEndpoint } })();
    await first.close();
    stacks.pop();
    const second = await start(dataDir);
    expect(second.display.identityPoolId).toBe(poolId);
    const data = new IoTDataPlaneClient({ endpoint: second.httpEndpoint, region: second.region, credentials: creds, maxAttempts: 1 });
    await expect(data.send(new GetThingShadowCommand({ thingName: 'pet-1', shadowName: 'pet' }))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    data.destroy();
  });
});
