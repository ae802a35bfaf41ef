import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { CreateThingCommand, DescribeEndpointCommand, DescribeThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { GetThingShadowCommand, IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../local/index';
import { DisplayConfigSchema } from '../protocol/display-config';
import { connectWs, presignMqttUrl } from '../test/support/local/display';
import { until } from '../test/support/local/broker';
import { startPulsepetStack } from './pulsepet-stack';

/**
 * `pulsepet up --https-port`: the gateway's every route over TLS with the data dir's
 * server certificate, met by the real clients as they meet AWS over HTTPS — the AWS SDKs
 * trusting the local CA through an https Agent, MQTT.js on `wss://…/mqtt` with a SigV4
 * presigned URL, the display's identity-pool credentials — while a client that does not
 * trust the CA is refused by the handshake and every http:// and ws:// client is untouched.
 */

let dir: string;
let stack: LocalStack;
let ca: string;
let httpsEndpoint: string;
let serverPemBefore: string;
const clients: Array<{ destroy(): void }> = [];
const mqttClients: MqttClient[] = [];

/** What an SDK client needs to call the HTTPS port: an https Agent trusting the local CA. */
const overTls = () => ({ requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca }) }) });
const admin = (endpoint: string) => ({ endpoint, region: stack.region, credentials: { ...stack.credentials }, maxAttempts: 1 });
function client<T extends { destroy(): void }>(c: T): T {
  clients.push(c);
  return c;
}
function mqttClient(out: { ok: true; client: MqttClient } | { ok: false; error: string }): MqttClient {
  if (!out.ok) throw new Error(out.error);
  mqttClients.push(out.client);
  return out.client;
}

/** GET over HTTPS trusting `trust` (Node's roots when undefined): status and body, or the TLS error. */
function httpsText(url: string, trust: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { ...(trust ? { ca: trust } : {}), agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** A bare TLS handshake: 'ok', or the error code that ended it. */
function handshake(opts: { port: number; ca?: string; servername?: string }): Promise<string> {
  return new Promise((resolve) => {
    const sock = tlsConnect({ host: '127.0.0.1', port: opts.port, ...(opts.ca ? { ca: opts.ca } : {}), ...(opts.servername ? { servername: opts.servername } : {}) });
    sock.once('secureConnect', () => {
      sock.destroy();
      resolve('ok');
    });
    sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-https-'));
  const site = join(dir, 'dist');
  mkdirSync(site);
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>pets</title>');
  const dataDir = join(dir, 'data');
  // a data dir made by a stack without HTTPS, as every existing one was
  const plain = await startPulsepetStack({ dataDir, displayDir: site });
  serverPemBefore = readFileSync(join(dataDir, 'ca', 'server.pem'), 'utf8');
  await plain.close();
  stack = await startPulsepetStack({ dataDir, httpsPort: 0, displayDir: site });
  ca = readFileSync(stack.caFile, 'utf8');
  httpsEndpoint = stack.httpsEndpoint ?? '';
}, 60_000);
afterAll(async () => {
  for (const c of mqttClients) await c.endAsync().catch(() => undefined);
  for (const c of clients) c.destroy();
  await stack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('The gateway over HTTPS', () => {
  it('listens on its own port of the same host, with the certificate the data dir already had', () => {
    expect(httpsEndpoint).toBe(`https://127.0.0.1:${stack.httpsPort}`);
    expect(stack.httpsPort).not.toBe(stack.httpPort);
    expect(readFileSync(join(stack.dataDir, 'ca', 'server.pem'), 'utf8')).toBe(serverPemBefore);
  });

  it('serves the IoT control plane to the real client-iot trusting the local CA', async () => {
    const iot = client(new IoTClient({ ...admin(httpsEndpoint), ...overTls() }));
    const ep = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
    expect(`mqtts://${ep.endpointAddress}`).toBe(stack.mqttEndpoint);
    await iot.send(new CreateThingCommand({ thingName: 'tls-pet' }));
    // one service behind both ports: the thing made over HTTPS is there over HTTP
    const plain = client(new IoTClient(admin(stack.httpEndpoint)));
    expect((await plain.send(new DescribeThingCommand({ thingName: 'tls-pet' }))).thingName).toBe('tls-pet');
  });

  it('serves shadows to client-iot-data-plane over HTTPS, and the update reaches MQTT.js on wss:// with a presigned URL', async () => {
    const url = await presignMqttUrl(stack, stack.credentials, { secure: true });
    expect(new URL(url).protocol).toBe('wss:');
    const watcher = mqttClient(await connectWs(url, 'wss-watcher', { ca }));
    const got: Array<{ topic: string; doc: { current?: { state?: { desired?: unknown } } } }> = [];
    watcher.on('message', (topic, payload) => got.push({ topic, doc: JSON.parse(payload.toString()) }));
    await watcher.subscribeAsync('$aws/things/tls-pet/shadow/update/documents', { qos: 1 });

    const data = client(new IoTDataPlaneClient({ ...admin(httpsEndpoint), ...overTls() }));
    await data.send(new UpdateThingShadowCommand({ thingName: 'tls-pet', payload: Buffer.from(JSON.stringify({ state: { desired: { lamp: 'on' } } })) }));
    const read = await data.send(new GetThingShadowCommand({ thingName: 'tls-pet' }));
    expect(JSON.parse(Buffer.from(read.payload ?? new Uint8Array()).toString()).state.desired).toEqual({ lamp: 'on' });
    await until(() => got.length > 0, 5000, 'the shadow document over wss://');
    expect(got[0]?.topic).toBe('$aws/things/tls-pet/shadow/update/documents');
    expect(got[0]?.doc.current?.state?.desired).toEqual({ lamp: 'on' });
  });

  it('admits the display as a browser on AWS: identity-pool credentials over HTTPS, a wss:// URL presigned with them, its reads signed with the session token', async () => {
    const provider = fromCognitoIdentityPool({
      identityPoolId: stack.display.identityPoolId,
      clientConfig: { region: stack.region, endpoint: httpsEndpoint, ...overTls() },
    });
    const creds = await provider();
    expect(creds.sessionToken).toBeTruthy();
    const live = mqttClient(await connectWs(await presignMqttUrl(stack, creds, { secure: true }), `display-${randomUUID()}`, { ca }));
    const got: string[] = [];
    live.on('message', (topic) => got.push(topic));
    const granted = await live.subscribeAsync('$aws/things/+/shadow/name/daily/update/documents', { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);

    const data = client(new IoTDataPlaneClient({ ...admin(httpsEndpoint), ...overTls() }));
    const reported = { day: '2026-01-05', steps: 1 };
    await data.send(new UpdateThingShadowCommand({ thingName: 'tls-pet', shadowName: 'daily', payload: Buffer.from(JSON.stringify({ state: { reported } })) }));
    await until(() => got.length > 0, 5000, 'the daily shadow document over wss://');
    expect(got).toEqual(['$aws/things/tls-pet/shadow/name/daily/update/documents']);

    const asDisplay = client(new IoTDataPlaneClient({ endpoint: httpsEndpoint, region: stack.region, credentials: provider, maxAttempts: 1, ...overTls() }));
    const daily = await asDisplay.send(new GetThingShadowCommand({ thingName: 'tls-pet', shadowName: 'daily' }));
    expect(JSON.parse(Buffer.from(daily.payload ?? new Uint8Array()).toString()).state.reported).toEqual(reported);
  });

  it("serves the display's config.json with https:// and wss:// endpoints over HTTPS, and http:// and ws:// over HTTP", async () => {
    const secure = DisplayConfigSchema.parse(JSON.parse((await httpsText(`${httpsEndpoint}/display/config.json`, ca)).body));
    const tlsHost = `127.0.0.1:${stack.httpsPort}`;
    expect(secure.endpoints).toEqual({ mqtt: `wss://${tlsHost}/mqtt`, iotData: `https://${tlsHost}`, timestreamQuery: `https://${tlsHost}`, cognitoIdentity: `https://${tlsHost}` });
    // the certificate names localhost too: a page opened there signs for localhost
    const named = DisplayConfigSchema.parse(JSON.parse((await httpsText(`https://localhost:${stack.httpsPort}/display/config.json`, ca)).body));
    expect(named.endpoints.mqtt).toBe(`wss://localhost:${stack.httpsPort}/mqtt`);
    const plain = DisplayConfigSchema.parse(await (await fetch(`${stack.httpEndpoint}/display/config.json`)).json());
    expect(plain.endpoints.mqtt).toBe(`ws://127.0.0.1:${stack.httpPort}/mqtt`);
    expect(plain.endpoints.iotData).toBe(stack.httpEndpoint);
    expect((await httpsText(`${httpsEndpoint}/display/`, ca)).body).toContain('<title>pets</title>');
  });

  it('is refused by the TLS handshake to a client that does not trust the local CA, or that asks for a name the certificate lacks', async () => {
    const port = stack.httpsPort ?? 0;
    expect(await handshake({ port, ca })).toBe('ok');
    expect(await handshake({ port })).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(await handshake({ port, ca, servername: 'pets.example' })).toBe('ERR_TLS_CERT_ALTNAME_INVALID');

    const untrusting = client(new IoTClient(admin(httpsEndpoint)));
    await expect(untrusting.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }))).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    const ws = await connectWs(await presignMqttUrl(stack, stack.credentials, { secure: true }), 'wss-untrusting');
    expect(ws).toEqual({ ok: false, error: expect.stringMatching(/unable to verify the first certificate/) });
  });

  it('keeps every http:// and ws:// client as it was', async () => {
    const iot = client(new IoTClient(admin(stack.httpEndpoint)));
    const ep = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
    expect(`mqtts://${ep.endpointAddress}`).toBe(stack.mqttEndpoint);
    const url = await presignMqttUrl(stack, stack.credentials);
    expect(new URL(url).protocol).toBe('ws:');
    const ws = mqttClient(await connectWs(url, 'ws-plain'));
    expect(ws.connected).toBe(true);
  });
});
