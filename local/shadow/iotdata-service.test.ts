import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictException,
  DeleteThingShadowCommand,
  GetThingShadowCommand,
  InvalidRequestException,
  IoTDataPlaneClient,
  ListNamedShadowsForThingCommand,
  PublishCommand,
  RequestEntityTooLargeException,
  ResourceNotFoundException,
  ThrottlingException,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { type GatewayHandle, startGateway } from '../gateway/server';
import { createShadowService, type ShadowServiceHandle, type ShadowServiceLimits } from './index';
import { MemoryBus } from '../../test/support/local/shadow/memory-bus';

const credentials = { accessKeyId: 'AKIDSHADOWTEST', secretAccessKey: 'shadow-test-secret' };
const region = 'us-east-1';

function decode(payload: Uint8Array | undefined): unknown {
  return JSON.parse(Buffer.from(payload ?? new Uint8Array()).toString('utf8'));
}

// Routing of the iotdata service through the real gateway and the real SDK; the
// broker side is an in-memory bus here (the real-stack suite is shadow.conformance.test.ts).
describe('Function: createIotDataService', () => {
  let dir: string;
  let bus: MemoryBus;
  let shadows: ShadowServiceHandle;
  let gateway: GatewayHandle;
  let client: IoTDataPlaneClient;

  async function boot(limits: Partial<ShadowServiceLimits> = {}): Promise<void> {
    shadows = createShadowService({ bus, dataDir: dir, logger: silentLogger(), limits });
    gateway = await startGateway({ port: 0, region, credentials, services: [shadows.iotdata], logger: silentLogger() });
    client = new IoTDataPlaneClient({ endpoint: gateway.url, region, credentials, maxAttempts: 1 });
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-iotdata-'));
    bus = new MemoryBus();
    await boot();
  });

  afterEach(async () => {
    client.destroy();
    await gateway.close();
    await shadows.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('updates and reads a named shadow through the real data-plane client', async () => {
    const up = await client.send(
      new UpdateThingShadowCommand({
        thingName: 'pet-1',
        shadowName: 'pet',
        payload: Buffer.from('{"state":{"desired":{"mood":"calm"}},"clientToken":"h1"}'),
      }),
    );
    expect(decode(up.payload)).toMatchObject({ state: { desired: { mood: 'calm' } }, version: 1, clientToken: 'h1' });
    const got = await client.send(new GetThingShadowCommand({ thingName: 'pet-1', shadowName: 'pet' }));
    expect(decode(got.payload)).toMatchObject({ state: { desired: { mood: 'calm' }, delta: { mood: 'calm' } }, version: 1 });
    expect(bus.json('$aws/things/pet-1/shadow/name/pet/update/delta')).toHaveLength(1);
  });

  it('maps a missing shadow to ResourceNotFoundException (404)', async () => {
    const err = await client.send(new GetThingShadowCommand({ thingName: 'nobody' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect((err as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
  });

  it('maps a stale version to ConflictException with the message Version conflict', async () => {
    await client.send(new UpdateThingShadowCommand({ thingName: 't', payload: Buffer.from('{"state":{"reported":{"a":1}}}') }));
    const err = await client
      .send(new UpdateThingShadowCommand({ thingName: 't', payload: Buffer.from('{"state":{"reported":{"a":2}},"version":7}') }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictException);
    expect((err as ConflictException).message).toBe('Version conflict');
  });

  it('maps malformed JSON to InvalidRequestException and an oversized document to RequestEntityTooLargeException', async () => {
    const bad = await client
      .send(new UpdateThingShadowCommand({ thingName: 't', payload: Buffer.from('{"state":') }))
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidRequestException);
    const big = Buffer.from(JSON.stringify({ state: { reported: { blob: 'x'.repeat(9000) } } }));
    const tooBig = await client.send(new UpdateThingShadowCommand({ thingName: 't', payload: big })).catch((e: unknown) => e);
    expect(tooBig).toBeInstanceOf(RequestEntityTooLargeException);
  });

  it('maps the per-thing rate limit to ThrottlingException', async () => {
    client.destroy();
    await gateway.close();
    await shadows.close();
    await boot({ requestsPerSecondPerThing: 2 });
    const results = [];
    for (let i = 0; i < 3; i++) {
      results.push(await client.send(new GetThingShadowCommand({ thingName: 'thr' })).catch((e: unknown) => e));
    }
    expect(results[0]).toBeInstanceOf(ResourceNotFoundException);
    expect(results[2]).toBeInstanceOf(ThrottlingException);
  });

  it('deletes a shadow and lists the remaining named shadows', async () => {
    for (const shadowName of ['a', 'b']) {
      await client.send(new UpdateThingShadowCommand({ thingName: 'x', shadowName, payload: Buffer.from('{"state":{}}') }));
    }
    const del = await client.send(new DeleteThingShadowCommand({ thingName: 'x', shadowName: 'a' }));
    expect(decode(del.payload)).toMatchObject({ version: 1 });
    const list = await client.send(new ListNamedShadowsForThingCommand({ thingName: 'x' }));
    expect(list.results).toEqual(['b']);
    expect(typeof list.timestamp).toBe('number');
  });

  it('publishes into the broker as a cloud principal with qos and retain', async () => {
    await client.send(new PublishCommand({ topic: 'dt/pulsepet/x/cmd', qos: 1, retain: true, payload: Buffer.from('hi') }));
    expect(bus.published).toContainEqual({ topic: 'dt/pulsepet/x/cmd', payload: Buffer.from('hi'), qos: 1, retain: true });
  });

  it('rejects a publish to a wildcard topic with InvalidRequestException', async () => {
    const err = await client.send(new PublishCommand({ topic: 'a/+/b', payload: Buffer.from('x') })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestException);
  });

  it('updates a shadow when Publish targets the reserved update topic', async () => {
    const accepted = bus.next('$aws/things/y/shadow/update/accepted');
    await client.send(
      new PublishCommand({ topic: '$aws/things/y/shadow/update', qos: 1, payload: Buffer.from('{"state":{"reported":{"on":true}}}') }),
    );
    expect(await accepted).toMatchObject({ state: { reported: { on: true } }, version: 1 });
  });
});
