/**
 * fleet against the whole local IoT Core: the files it writes let a device connect,
 * `revoke` cuts a live session, and `rotate` keeps the device online through the
 * grace period, then retires the old certificate.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textSink as sink } from '../../test/support/fleet';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { runFleet } from '../fleet';
import { type DeviceConfig, DeviceConfigSchema } from './files';

let stack: LocalStack;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pp-fleet-stack-'));
  stack = await startLocalStack({ dataDir: join(work, 'state') });
}, 60_000);
afterAll(async () => {
  await stack.close();
});

async function fleet(argv: string[], sleep?: (ms: number) => Promise<void>): Promise<string> {
  const stdout = sink();
  const stderr = sink();
  const code = await runFleet(argv, {
    env: {
      AWS_ENDPOINT_URL: stack.httpEndpoint,
      AWS_REGION: stack.region,
      AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
      PULSEPET_ROOT_CA: stack.caFile,
    },
    stdout,
    stderr,
    ...(sleep ? { sleep } : {}),
  });
  expect(stderr.text()).toBe('');
  expect(code).toBe(0);
  return stdout.text();
}

function readConfig(dir: string, thing: string): DeviceConfig {
  return DeviceConfigSchema.parse(JSON.parse(readFileSync(join(dir, `${thing}.config.json`), 'utf8')));
}

/** Connects with explicit PEMs (read now, so later file rewrites do not matter). */
function connect(cfg: DeviceConfig, pems = { cert: readFileSync(cfg.cert), key: readFileSync(cfg.key) }): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(cfg.endpoint, {
      clientId: cfg.thing,
      cert: pems.cert,
      key: pems.key,
      ca: readFileSync(cfg.ca),
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
    });
    const fail = (e: Error) => {
      client.end(true);
      reject(e);
    };
    const onClose = () => fail(new Error('closed before CONNACK'));
    client.once('error', fail);
    client.once('close', onClose);
    client.once('connect', () => {
      client.off('error', fail);
      client.off('close', onClose);
      resolve(client);
    });
  });
}

const closed = (c: MqttClient) => new Promise<void>((r) => c.once('close', () => r()));

describe('Command: fleet (with the local IoT Core)', () => {
  it('revoke disconnects the live session of the thing and its certificate cannot connect again', async () => {
    const dir = join(work, 'rev-1');
    await fleet(['provision', 'rev-1', '--out', dir]);
    const cfg = readConfig(dir, 'rev-1');
    const client = await connect(cfg);
    const gone = closed(client);
    await fleet(['revoke', 'rev-1']);
    await gone;
    client.end(true);
    await expect(connect(cfg)).rejects.toThrow();
  });

  it('rotate keeps the old session through the grace period, then only the new certificate connects', async () => {
    const dir = join(work, 'rot-1');
    await fleet(['provision', 'rot-1', '--out', dir]);
    const before = readConfig(dir, 'rot-1');
    const oldPems = { cert: readFileSync(before.cert), key: readFileSync(before.key) };
    const oldClient = await connect(before, oldPems);
    const oldGone = closed(oldClient);
    let connectedDuringGrace = false;
    let newClientDuringGrace: MqttClient | undefined;
    await fleet(['rotate', 'rot-1', '--out', dir, '--grace', '45s'], async () => {
      connectedDuringGrace = oldClient.connected;
      // the device picks up the new files during the grace period (same client id takes over)
      newClientDuringGrace = await connect(readConfig(dir, 'rot-1'));
    });
    expect(connectedDuringGrace).toBe(true);
    await oldGone;
    oldClient.end(true);
    const after = readConfig(dir, 'rot-1');
    expect(after.certificateId).not.toBe(before.certificateId);
    expect(newClientDuringGrace?.connected).toBe(true);
    newClientDuringGrace?.end(true);
    await expect(connect(before, oldPems)).rejects.toThrow();
    const again = await connect(after);
    again.end(true);
  });
});
