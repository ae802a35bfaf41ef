/**
 * The newcomer's path, end to end through the real CLI processes: `pulsepet up`,
 * then `pulsepet fleet provision`, then a device connects with exactly the files
 * fleet wrote and is held to its policy.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iot, mqtt as crt } from 'aws-iot-device-sdk-v2';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize } from '../protocol/telemetry';
import { type RunningUp, runCli, startUp } from '../test/support/cli';

interface DeviceConfig {
  thing: string;
  endpoint: string;
  cert: string;
  key: string;
  ca: string;
}

let up: RunningUp;
let work: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pp-e2e-'));
  up = await startUp(join(work, 'state'));
  env = {
    ...process.env,
    AWS_ENDPOINT_URL: up.ready.httpEndpoint,
    AWS_REGION: up.ready.region,
    AWS_ACCESS_KEY_ID: up.ready.accessKeyId,
    AWS_SECRET_ACCESS_KEY: up.ready.secretAccessKey,
    PULSEPET_ROOT_CA: up.ready.caFile,
  };
}, 60_000);

afterAll(async () => {
  expect(await up.stop()).toBe(0);
});

async function provision(thing: string): Promise<DeviceConfig> {
  const out = join(work, 'devices', thing);
  const r = await runCli(['fleet', 'provision', thing, '--out', out], env);
  expect(r.code, r.stderr).toBe(0);
  const cfg = JSON.parse(readFileSync(join(out, `${thing}.config.json`), 'utf8')) as DeviceConfig;
  expect(statSync(cfg.key).mode & 0o777).toBe(0o600);
  return cfg;
}

function connect(cfg: DeviceConfig, clientId = cfg.thing) {
  return mqtt.connect(cfg.endpoint, {
    clientId,
    cert: readFileSync(cfg.cert),
    key: readFileSync(cfg.key),
    ca: readFileSync(cfg.ca),
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  });
}

function batch(): string {
  const samples = [{ t: Date.now(), hr: 72, steps: 3 }];
  return JSON.stringify({ v: 1, batchId: `b-${Date.now()}`, seq: 0, samples, summary: summarize(samples) });
}

describe('up → fleet provision → device', () => {
  it('lets a provisioned device publish its own telemetry and cuts it off when it touches another thing', async () => {
    const a = await provision('e2e-a');
    await provision('e2e-b');
    expect(a.endpoint).toBe(up.ready.mqttEndpoint);

    const observer = connect(a);
    await new Promise<void>((resolve, reject) => {
      observer.once('connect', () => resolve());
      observer.once('error', reject);
    });
    await observer.subscribeAsync('dt/pulsepet/e2e-a/telemetry', { qos: 1 });
    const got = new Promise<string>((resolve) => observer.once('message', (_t, p) => resolve(p.toString())));
    const payload = batch();
    await observer.publishAsync('dt/pulsepet/e2e-a/telemetry', payload, { qos: 1 });
    expect(await got).toBe(payload);

    // Another thing's shadow: IoT Core closes an MQTT 3.1.1 connection on a denied publish.
    const closed = new Promise<void>((resolve) => observer.once('close', () => resolve()));
    observer.publish('$aws/things/e2e-b/shadow/update', '{"state":{"reported":{"x":1}}}', { qos: 1 });
    await closed;
    observer.end(true);
  });

  it('refuses a client id that is not the thing name', async () => {
    const a = JSON.parse(readFileSync(join(work, 'devices', 'e2e-a', 'e2e-a.config.json'), 'utf8')) as DeviceConfig;
    const c = connect(a, 'someone-else');
    const outcome = await new Promise<string>((resolve) => {
      c.once('connect', () => resolve('connected'));
      c.once('error', (e) => resolve(`error: ${e.message}`));
      c.once('close', () => resolve('closed'));
    });
    expect(outcome).not.toBe('connected');
    c.end(true);
  });

  it('connects the production client (aws-iot-device-sdk-v2, MQTT 3.1.1) with the same files', async () => {
    const cfg = await provision('e2e-sdk');
    const url = new URL(cfg.endpoint);
    const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(cfg.cert, cfg.key)
      .with_certificate_authority_from_path(undefined, cfg.ca)
      .with_endpoint(url.hostname)
      .with_port(Number(url.port))
      .with_client_id(cfg.thing)
      .with_clean_session(true)
      .build();
    const client = new crt.MqttClient();
    const conn = client.new_connection(config);
    await conn.connect();
    await conn.publish(`dt/pulsepet/${cfg.thing}/telemetry`, batch(), crt.QoS.AtLeastOnce);
    await conn.disconnect();
  });
});
