import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { auth, iot, mqtt as crt } from 'aws-iot-device-sdk-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, type Fixture, startFixture, TEST_REGION, until } from '../../test/support/local/broker';
import { IOT_WS_SERVICE } from './ws-auth';
import { connectWs } from '../../test/support/local/display';

const creds = { accessKeyId: 'AKIALOCALTEST0000001', secretAccessKey: 'local-test-secret-key-0000000000000000000' };
let fx: Fixture;
let http: Server;
let httpPort: number;

beforeAll(async () => {
  fx = await startFixture({ wsCredentials: creds });
  http = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  httpPort = (http.address() as AddressInfo).port;
  fx.broker.attachWebSocket(http, '/mqtt');
});
afterAll(async () => {
  await fx?.close();
  await new Promise<void>((r) => http.close(() => r()));
});

async function presignedUrl(credentials = creds): Promise<string> {
  const signer = new SignatureV4({ service: IOT_WS_SERVICE, region: TEST_REGION, credentials, sha256: Sha256 });
  const host = `127.0.0.1:${httpPort}`;
  const signed = await signer.presign(
    { method: 'GET', protocol: 'ws:', hostname: '127.0.0.1', port: httpPort, path: '/mqtt', headers: { host }, query: {} },
    { expiresIn: 300 },
  );
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(signed.query ?? {})) if (typeof v === 'string') q.set(k, v);
  return `ws://${host}/mqtt?${q.toString()}`;
}


describe('Method: attachWebSocket', () => {
  it('admits a SigV4-presigned connection as a cloud principal that may watch every device', async () => {
    const out = await connectWs(await presignedUrl(), 'pet-display-1');
    if (!out.ok) throw new Error(out.error);
    const got: string[] = [];
    out.client.on('message', (topic) => got.push(topic));
    await out.client.subscribeAsync('dt/pulsepet/+/telemetry', { qos: 1 });
    const dev = await fx.device('ws-pet');
    const devConn = await connectDevice(fx, dev, 'ws-pet');
    if (!devConn.ok) throw new Error(devConn.error);
    await devConn.client.publishAsync('dt/pulsepet/ws-pet/telemetry', '{}', { qos: 1 });
    await until(() => got.length === 1, 5000, 'telemetry over WebSocket');
    expect(got).toEqual(['dt/pulsepet/ws-pet/telemetry']);
    await devConn.client.endAsync();
    await out.client.endAsync();
  });

  it('admits aws-iot-device-sdk-v2 over WebSocket, whose CRT signer also signs the Connection header', async () => {
    const config = iot.AwsIotMqttConnectionConfigBuilder.new_with_websockets({
      region: TEST_REGION,
      credentials_provider: auth.AwsCredentialsProvider.newStatic(creds.accessKeyId, creds.secretAccessKey),
    })
      .with_endpoint('127.0.0.1')
      .with_port(httpPort)
      .with_client_id('pet-display-crt')
      .with_clean_session(true)
      .build();
    // the local gateway serves plain HTTP (wss:// on AWS): drop the TLS context
    (config as { tls_ctx?: unknown }).tls_ctx = undefined;
    const conn = new crt.MqttClient().new_connection(config);
    try {
      expect(await conn.connect()).toBe(false);
      const sub = await conn.subscribe('dt/pulsepet/+/telemetry', crt.QoS.AtLeastOnce);
      expect(sub.qos).toBe(crt.QoS.AtLeastOnce);
    } finally {
      await Promise.race([conn.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
  });

  it('refuses a URL signed with the wrong secret', async () => {
    const url = await presignedUrl({ ...creds, secretAccessKey: 'not-the-secret' });
    const out = await connectWs(url, 'pet-display-2');
    expect(out.ok).toBe(false);
  });

  it('refuses an unsigned URL', async () => {
    const out = await connectWs(`ws://127.0.0.1:${httpPort}/mqtt`, 'pet-display-3');
    expect(out.ok).toBe(false);
  });
});
