import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoTClient, UpdateCertificateCommand } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { afterEach, describe, expect, it } from 'vitest';
import { processAlive, subscribeCodes, until, waitFor } from '../../test/support/local/broker';
import { connectWs, displayCredentials, presignMqttUrl } from '../../test/support/local/display';
import { awsClientConfig, connectMqtt, provisionTestDevice } from '../../test/support/local/stack';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../stack';
import { brokerProcessEnv } from './remote-broker';

const stacks: LocalStack[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close();
});

async function start(opts: Partial<LocalStackOptions> = {}, dataDir = mkdtempSync(join(tmpdir(), 'pp-brokerproc-'))): Promise<LocalStack> {
  const s = await startLocalStack({ dataDir, brokerProcess: true, ...opts });
  stacks.push(s);
  return s;
}

describe('Function: brokerProcessEnv', () => {
  it('adds the 64 KiB malloc threshold to the stack environment and keeps the rest', () => {
    const env = brokerProcessEnv({ PATH: '/usr/bin', PULSEPET_LOG_LEVEL: 'warn' });
    expect(env).toEqual({ PATH: '/usr/bin', PULSEPET_LOG_LEVEL: 'warn', MALLOC_MMAP_THRESHOLD_: '65536' });
  });

  it('keeps a malloc threshold or glibc tunables the operator set', () => {
    expect(brokerProcessEnv({ MALLOC_MMAP_THRESHOLD_: '131072' }).MALLOC_MMAP_THRESHOLD_).toBe('131072');
    const tuned = brokerProcessEnv({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=32768' });
    expect(tuned).toEqual({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=32768' });
  });
});

describe('Function: startLocalStack with brokerProcess', () => {
  it('runs the broker in another process, which admits a device provisioned after start and round-trips its shadow update', async () => {
    const stack = await start();
    expect(stack.brokerPid).toBeGreaterThan(0);
    expect(stack.brokerPid).not.toBe(process.pid);
    const environ = readFileSync(`/proc/${stack.brokerPid}/environ`, 'utf8').split('\0');
    const expected = brokerProcessEnv(process.env).MALLOC_MMAP_THRESHOLD_;
    expect(environ.find((e) => e.startsWith('MALLOC_MMAP_THRESHOLD_='))).toBe(expected === undefined ? undefined : `MALLOC_MMAP_THRESHOLD_=${expected}`);
    // the allocator trimmer collects a departed fleet's garbage first (allocator-trim.ts)
    expect(readFileSync(`/proc/${stack.brokerPid}/cmdline`, 'utf8').split('\0')).toContain('--expose-gc');
    const device = await provisionTestDevice(stack, 'pet-1');
    const client = await connectMqtt(stack, device);
    await client.subscribeAsync('$aws/things/pet-1/shadow/update/accepted', { qos: 1 });
    const accepted = waitFor<string>((resolve) => client.on('message', (_t, p) => resolve(p.toString())), 5_000, 'update/accepted');
    await client.publishAsync('$aws/things/pet-1/shadow/update', JSON.stringify({ state: { reported: { mood: 'calm' } } }), { qos: 1 });
    expect(JSON.parse(await accepted).state).toEqual({ reported: { mood: 'calm' } });
    await until(() => stack.broker.connectionCount() === 1, 3_000, 'the connection count to reach the stack');
    await client.endAsync();
  });

  it('holds a device publish PUBACK until the stack observer before the acknowledgement has finished', async () => {
    const stack = await start();
    const seen: string[] = [];
    stack.bus.onPublish(
      'dt/pulsepet/+/telemetry',
      async ({ origin }) => {
        await new Promise((r) => setTimeout(r, 300));
        seen.push(origin.thingName ?? '');
      },
      { beforeAck: true },
    );
    const device = await provisionTestDevice(stack, 'pet-2');
    const client = await connectMqtt(stack, device);
    const t0 = Date.now();
    await client.publishAsync('dt/pulsepet/pet-2/telemetry', JSON.stringify({ v: 1 }), { qos: 1 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(seen).toEqual(['pet-2']);
    await client.endAsync();
  });

  it('enforces the device policy and delivers cloud publishes to the device', async () => {
    const stack = await start();
    const device = await provisionTestDevice(stack, 'pet-3');
    const client = await connectMqtt(stack, device);
    expect(await subscribeCodes(client, { 'cmd/pulsepet/pet-4/#': { qos: 1 }, '$aws/things/pet-3/shadow/update/delta': { qos: 1 } })).toEqual([128, 1]);
    const delta = waitFor<string>((resolve) => client.on('message', (t, p) => resolve(`${t} ${p}`)), 5_000, 'the cloud publish');
    const data = new IoTDataPlaneClient(awsClientConfig(stack));
    await data.send(new PublishCommand({ topic: '$aws/things/pet-3/shadow/update/delta', qos: 1, payload: Buffer.from('{"state":{}}') }));
    data.destroy();
    expect(await delta).toBe('$aws/things/pet-3/shadow/update/delta {"state":{}}');
    await client.endAsync();
  });

  it('drops the connection of a certificate made inactive after start', async () => {
    const stack = await start();
    const device = await provisionTestDevice(stack, 'pet-5');
    const client = await connectMqtt(stack, device);
    const closed = waitFor<void>((resolve) => client.once('close', () => resolve()), 5_000, 'the connection to close');
    const iot = new IoTClient(awsClientConfig(stack));
    await iot.send(new UpdateCertificateCommand({ certificateId: device.certificateId, newStatus: 'INACTIVE' }));
    iot.destroy();
    await closed;
    await expect(connectMqtt(stack, device)).rejects.toThrow();
    client.end(true);
  });

  it('admits the display over WebSocket on the gateway port with identity-pool credentials, and refuses a wrong token', async () => {
    const stack = await start();
    const creds = await displayCredentials(stack)();
    const ok = await connectWs(await presignMqttUrl(stack, creds), 'display-1');
    expect(ok.ok).toBe(true);
    if (ok.ok) await ok.client.endAsync();
    const refused = await connectWs(await presignMqttUrl(stack, creds, { token: 'not-the-token' }), 'display-2');
    expect(refused.ok).toBe(false);
  });

  it('keeps a persistent session across a restart of the stack', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pp-brokerproc-'));
    const first = await start({}, dataDir);
    const device = await provisionTestDevice(first, 'pet-6');
    const c1 = await connectMqtt(first, device, { clean: false });
    await c1.subscribeAsync('$aws/things/pet-6/shadow/update/delta', { qos: 1 });
    await c1.endAsync();
    const firstPid = first.brokerPid as number;
    await first.close();
    stacks.pop();
    expect(processAlive(firstPid)).toBe(false);
    const second = await start({}, dataDir);
    const c2 = await connectMqtt(second, device, { clean: false });
    const queued = waitFor<string>((resolve) => c2.on('message', (t) => resolve(t)), 5_000, 'the message for the kept subscription');
    await second.bus.publish('$aws/things/pet-6/shadow/update/delta', '{"state":{}}', { qos: 1 });
    expect(await queued).toBe('$aws/things/pet-6/shadow/update/delta');
    await c2.endAsync();
  });

  it('reports a broker process that dies through onFailure', async () => {
    const failures: Error[] = [];
    const stack = await start({ onFailure: (e) => failures.push(e) });
    process.kill(stack.brokerPid as number, 'SIGKILL');
    await until(() => failures.length === 1, 5_000, 'onFailure');
    expect(failures[0]?.message).toMatch(/broker process exited .*SIGKILL/);
    await expect(stack.bus.publish('a/b', 'x')).rejects.toThrow(/exited/);
  });
});
