import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import {
  DeleteThingShadowCommand,
  GetThingShadowCommand,
  IoTDataPlaneClient,
  PublishCommand,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../local/stack';
import { TIMESTREAM } from '../protocol/resources';
import { subscribeCodes } from './support/local/broker';
import { connectWs, type CredentialProvider, displayCredentials, presignMqttUrl, type TemporaryCredentials } from './support/local/display';
import { awsClientConfig } from './support/local/stack';
import { sdkFailure } from './support/sdk-failure';

/**
 * The display authenticates to the local IoT Core as a browser does on AWS: Cognito
 * unauthenticated credentials for the `pulsepet-display` role, SigV4 with a session
 * token on the HTTP APIs, a presigned `/mqtt` URL; and it may do only what the role allows.
 */

let dir: string;
let stack: LocalStack;
let provider: CredentialProvider;
let creds: TemporaryCredentials;
const clients: Array<{ destroy(): void }> = [];
const mqttClients: MqttClient[] = [];

function client<T extends { destroy(): void }>(c: T): T {
  clients.push(c);
  return c;
}
const asDisplay = () => ({ endpoint: stack.httpEndpoint, region: stack.region, credentials: provider, maxAttempts: 1 });
const shadowDoc = (state: object) => Buffer.from(JSON.stringify({ state }));


async function seedHistory(): Promise<void> {
  // the store creates pulsepet's database and tables itself
  const write = client(new TimestreamWriteClient(awsClientConfig(stack)));
  const record = { Dimensions: [{ Name: 'thing', Value: 'pet-1' }], MeasureName: 'vitals', MeasureValueType: 'MULTI' as const, Time: String(Date.now()) };
  await write.send(
    new WriteRecordsCommand({
      DatabaseName: TIMESTREAM.database,
      TableName: TIMESTREAM.telemetryTable,
      Records: [{ ...record, MeasureValues: [{ Name: 'hr', Value: '72', Type: 'DOUBLE' }] }],
    }),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-display-'));
  stack = await startLocalStack({ dataDir: dir });
  const admin = client(new IoTDataPlaneClient(awsClientConfig(stack)));
  await admin.send(new UpdateThingShadowCommand({ thingName: 'pet-1', shadowName: 'pet', payload: shadowDoc({ desired: { mood: 'calm' } }) }));
  await admin.send(new UpdateThingShadowCommand({ thingName: 'pet-1', shadowName: 'reasoning', payload: shadowDoc({ reported: { secret: 1 } }) }));
  await seedHistory();
  provider = displayCredentials(stack);
  creds = await provider();
}, 60_000);

afterAll(async () => {
  for (const c of mqttClients) c.end(true);
  for (const c of clients) c.destroy();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('The display’s credentials (fromCognitoIdentityPool against the local stack)', () => {
  it('are temporary credentials of an hour, and the env file names the identity pool', () => {
    expect(stack.display.identityPoolId).toMatch(/^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds.sessionToken?.length).toBeGreaterThan(100);
    const left = (creds.expiration?.getTime() ?? 0) - Date.now();
    expect(left).toBeGreaterThan(59 * 60_000);
    expect(left).toBeLessThanOrEqual(60 * 60_000);
    expect(readFileSync(stack.envFile, 'utf8')).toContain(`export PULSEPET_IDENTITY_POOL_ID=${stack.display.identityPoolId}\n`);
  });
});

describe('HTTP APIs with the display’s credentials', () => {
  it('reads the pet shadow and changes the config shadow', async () => {
    const data = client(new IoTDataPlaneClient(asDisplay()));
    const got = await data.send(new GetThingShadowCommand({ thingName: 'pet-1', shadowName: 'pet' }));
    expect(JSON.parse(Buffer.from(got.payload ?? new Uint8Array()).toString())).toMatchObject({ state: { desired: { mood: 'calm' } } });
    await data.send(new UpdateThingShadowCommand({ thingName: 'pet-1', shadowName: 'config', payload: shadowDoc({ desired: { persona: 'strict' } }) }));
  });

  it.each([
    ['the server-only reasoning shadow', (d: IoTDataPlaneClient) => d.send(new GetThingShadowCommand({ thingName: 'pet-1', shadowName: 'reasoning' }))],
    ['the classic shadow', (d: IoTDataPlaneClient) => d.send(new GetThingShadowCommand({ thingName: 'pet-1' }))],
    ['an update of the pet shadow', (d: IoTDataPlaneClient) => d.send(new UpdateThingShadowCommand({ thingName: 'pet-1', shadowName: 'pet', payload: shadowDoc({ desired: { mood: 'sad' } }) }))],
    ['deleting the pet shadow', (d: IoTDataPlaneClient) => d.send(new DeleteThingShadowCommand({ thingName: 'pet-1', shadowName: 'pet' }))],
    ['publishing telemetry', (d: IoTDataPlaneClient) => d.send(new PublishCommand({ topic: 'dt/pulsepet/pet-1/telemetry', payload: Buffer.from('{}') }))],
  ])('refuses %s with 403 ForbiddenException (as the IoT data plane answers IAM denials)', async (_what, call) => {
    const f = await sdkFailure(call(client(new IoTDataPlaneClient(asDisplay()))));
    expect(f).toMatchObject({ name: 'ForbiddenException', status: 403 });
    expect(f.message).toMatch(/assumed-role\/pulsepet-display\/CognitoIdentityCredentials is not authorized to perform: iot:/);
  });

  it('leaves the refused shadow untouched', async () => {
    const admin = client(new IoTDataPlaneClient(awsClientConfig(stack)));
    const got = await admin.send(new GetThingShadowCommand({ thingName: 'pet-1', shadowName: 'pet' }));
    expect(JSON.parse(Buffer.from(got.payload ?? new Uint8Array()).toString())).toMatchObject({ state: { desired: { mood: 'calm' } } });
  });

  it('queries history (telemetry, presence), but no table outside it', async () => {
    const query = client(new TimestreamQueryClient(asDisplay()));
    const db = TIMESTREAM.database;
    const rows = await query.send(new QueryCommand({ QueryString: `SELECT thing, hr FROM "${db}"."${TIMESTREAM.telemetryTable}"` }));
    expect(rows.Rows?.[0]?.Data?.map((d) => d.ScalarValue)).toEqual(['pet-1', '72.0']);
    await query.send(new QueryCommand({ QueryString: `SELECT * FROM "${db}"."${TIMESTREAM.presenceTable}"` }));
    const f = await sdkFailure(query.send(new QueryCommand({ QueryString: `SELECT * FROM "${db}"."operatorNotes"` })));
    expect(f).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(f.message).toContain(`timestream:Select on resource: arn:aws:timestream:${stack.region}:000000000000:database/${db}/table/operatorNotes`);
  });

  it('refuses the IoT control plane (ListThings) with 403 AccessDeniedException', async () => {
    const f = await sdkFailure(client(new IoTClient(asDisplay())).send(new ListThingsCommand({})));
    expect(f).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    expect(f.message).toContain('iot:ListThings');
  });

  it.each([
    ['a wrong session token', 'not-the-token'],
    ['no session token', undefined],
  ])('refuses the key with %s (UnrecognizedClientException, 403)', async (_what, sessionToken) => {
    const credentials = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
    const data = client(new IoTDataPlaneClient({ ...asDisplay(), credentials }));
    const f = await sdkFailure(data.send(new GetThingShadowCommand({ thingName: 'pet-1', shadowName: 'pet' })));
    expect(f).toMatchObject({ name: 'UnrecognizedClientException', status: 403 });
  });
});

describe('MQTT over WebSocket with the display’s credentials', () => {
  async function connect(clientId: string, opts: Parameters<typeof presignMqttUrl>[2] = {}) {
    const out = await connectWs(await presignMqttUrl(stack, creds, opts), clientId);
    if (out.ok) mqttClients.push(out.client);
    return out;
  }

  it('connects as display-*, receives pet shadow updates and changes the config shadow', async () => {
    const out = await connect('display-e2e-1');
    if (!out.ok) throw new Error(out.error);
    const c = out.client;
    const granted = await c.subscribeAsync(
      ['$aws/things/+/shadow/name/pet/update/documents', '$aws/things/pet-1/shadow/name/config/update/accepted'],
      { qos: 1 },
    );
    expect(granted.map((g) => g.qos)).toEqual([1, 1]);
    const received = new Map<string, unknown>();
    c.on('message', (topic, payload) => received.set(topic, JSON.parse(payload.toString())));
    const admin = client(new IoTDataPlaneClient(awsClientConfig(stack)));
    await admin.send(new UpdateThingShadowCommand({ thingName: 'pet-1', shadowName: 'pet', payload: shadowDoc({ desired: { mood: 'happy' } }) }));
    await c.publishAsync('$aws/things/pet-1/shadow/name/config/update', JSON.stringify({ state: { desired: { persona: 'encouraging' } } }), { qos: 1 });
    await expect.poll(() => received.size, { timeout: 5000 }).toBe(2);
    expect(received.get('$aws/things/pet-1/shadow/name/pet/update/documents')).toMatchObject({ current: { state: { desired: { mood: 'happy' } } } });
    expect(received.get('$aws/things/pet-1/shadow/name/config/update/accepted')).toMatchObject({ state: { desired: { persona: 'encouraging' } } });
  });

  it('is refused telemetry and the reasoning shadow on subscribe (SUBACK 0x80) but not the daily shadow, and disconnected when it publishes telemetry', async () => {
    const out = await connect('display-e2e-2');
    if (!out.ok) throw new Error(out.error);
    const codes = await subscribeCodes(out.client, {
      'dt/pulsepet/+/telemetry': { qos: 1 },
      '$aws/things/pet-1/shadow/name/reasoning/update/documents': { qos: 1 },
      '$aws/things/pet-1/shadow/name/daily/update/documents': { qos: 1 },
    });
    expect(codes).toEqual([128, 128, 1]);
    const closed = new Promise<void>((resolve) => out.client.once('close', () => resolve()));
    out.client.publish('dt/pulsepet/pet-1/telemetry', '{}', { qos: 1 });
    await closed;
  });

  it('accepts a URL with the session token signed in, as generic SigV4 presigners make it', async () => {
    const out = await connect('display-e2e-3', { tokenSigned: true });
    expect(out.ok).toBe(true);
  });

  it.each([
    ['a client id outside display-*', 'pet-1', {}],
    ['a missing session token', 'display-e2e-4', { token: null }],
    ['a wrong session token', 'display-e2e-5', { token: 'not-the-token' }],
  ])('is refused with %s', async (_what, clientId, opts) => {
    const out = await connect(clientId, opts);
    expect(out.ok).toBe(false);
  });
});
