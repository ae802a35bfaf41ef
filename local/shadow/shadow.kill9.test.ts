import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_REGION } from '../aws-identity';
import { prepareDataDir } from '../data-dir';
import { startLocalStack } from '../stack';
import { awsClientConfig, connectMqtt, provisionTestDevice } from '../../test/support/local/stack';

describe('Shadow durability when the whole local stack is killed with SIGKILL', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every update the device saw accepted before the kill', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-shadow-kill9-'));
    const material = await prepareDataDir(dir, ['127.0.0.1', 'localhost']);
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../test/support/local/shadow/stack-child.ts'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const endpoints = await new Promise<{ mqttEndpoint: string; httpEndpoint: string }>((resolve, reject) => {
      let buf = '';
      const t = setTimeout(() => reject(new Error('stack child did not start')), 25_000);
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        const nl = buf.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(t);
          resolve(JSON.parse(buf.slice(0, nl)));
        }
      });
      child.once('exit', () => reject(new Error('stack child exited early')));
    });
    const stackish = { ...endpoints, region: DEFAULT_REGION, credentials: material.credentials, caFile: material.caFile };
    const device = await provisionTestDevice(stackish, 'kill9-pet');
    const client = await connectMqtt(stackish, device);
    let lastAcked = 0;
    client.on('message', (_t, buf) => {
      const v = (JSON.parse(buf.toString('utf8')) as { version: number }).version;
      lastAcked = Math.max(lastAcked, v);
    });
    await client.subscribeAsync('$aws/things/kill9-pet/shadow/name/pet/update/accepted', { qos: 1 });
    // Keep up to 5 updates in flight (under the 10 in-flight quota), paced under 20/s.
    let sent = 0;
    const deadline = Date.now() + 20_000;
    while (lastAcked < 40 && Date.now() < deadline) {
      if (sent - lastAcked < 5) {
        sent++;
        client.publish('$aws/things/kill9-pet/shadow/name/pet/update', JSON.stringify({ state: { reported: { n: sent } } }), { qos: 0 });
      }
      await new Promise((r) => setTimeout(r, 55));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    client.end(true);
    const seen = lastAcked;
    expect(seen).toBeGreaterThanOrEqual(40);

    const stack = await startLocalStack({ dataDir: dir });
    const data = new IoTDataPlaneClient(awsClientConfig(stack));
    try {
      const out = await data.send(new GetThingShadowCommand({ thingName: 'kill9-pet', shadowName: 'pet' }));
      const doc = JSON.parse(Buffer.from(out.payload ?? new Uint8Array()).toString('utf8')) as {
        version: number;
        state: { reported: { n: number } };
      };
      expect(doc.version).toBeGreaterThanOrEqual(seen);
      expect(doc.state.reported.n).toBeGreaterThanOrEqual(seen);
    } finally {
      data.destroy();
      await stack.close();
    }
  });
});
