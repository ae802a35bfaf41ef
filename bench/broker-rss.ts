/**
 * Broker benchmark 2: broker RSS per idle mTLS connection. The broker runs alone
 * in a child process (bench/broker-rss-server.ts, --expose-gc); this process opens
 * N idle MQTT.js connections (keep-alive 1200 s, one subscription each) and reads
 * the child's RSS before and after. Target: 10,000 connections under 1 GiB.
 *
 *   npx tsx bench/broker-rss.ts [--connections 2000] [--concurrency 32] [--plain]   (--connections 10000 for the target;
 *   --plain measures plain aedes with the same TLS setup for comparison)
 *
 * Prints one JSON object on stdout. Not a test: nothing is asserted.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { z } from 'zod';
import { createCa, createKeysAndCertificate, createServerCertificate, inspectCertificate, writePrivateKeyFile } from '../certs/index';
import { silentLogger } from '../common/logger';
import { Registry } from '../local/index';
import { benchFlags, connectMtls, pool, round } from './broker-support';

const flags = benchFlags(
  { connections: { type: 'string' }, concurrency: { type: 'string' }, plain: { type: 'boolean' } },
  z.object({
    plain: z.boolean().default(false),
    connections: z.coerce.number().int().min(1).max(20_000).default(2000),
    concurrency: z.coerce.number().int().min(1).max(256).default(32),
  }),
);

const dir = mkdtempSync(join(tmpdir(), 'pp-broker-rss-'));
const logger = silentLogger();
const ca = await createCa({ commonName: 'bench CA' });
const server = await createServerCertificate(ca, { hosts: ['localhost', '127.0.0.1'] });
const device = await createKeysAndCertificate(ca, { commonName: 'bench-rss' });
{
  const registry = Registry.open(join(dir, 'registry'), { region: 'us-east-1', logger });
  await registry.ensureAwsManagedCa(ca.certificateId, ca.certificatePem);
  const info = inspectCertificate(device.certificatePem);
  const cert = await registry.addCertificate({
    certificateId: device.certificateId,
    certificatePem: device.certificatePem,
    status: 'ACTIVE',
    caCertificateId: ca.certificateId,
    validity: { notBefore: info.notBefore, notAfter: info.notAfter },
  });
  // One certificate for the whole fleet keeps provisioning out of the figure; every
  // connection still goes through the registry, CA and policy checks.
  await registry.createPolicy(
    'bench-rss',
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:*:*:client/bench-rss-*' },
        { Effect: 'Allow', Action: ['iot:Subscribe'], Resource: 'arn:aws:iot:*:*:topicfilter/bench/*' },
      ],
    }),
  );
  await registry.attachPolicy('bench-rss', cert.certificateArn);
  await registry.flush();
  registry.close();
}
writeFileSync(join(dir, 'server.crt'), server.certificatePem);
writePrivateKeyFile(join(dir, 'server.key'), server.privateKeyPem);
writeFileSync(join(dir, 'ca.crt'), ca.certificatePem);

const child: ChildProcess = fork(new URL('./broker-rss-server.ts', import.meta.url).pathname, flags.plain ? [dir, 'plain'] : [dir], {
  execArgv: ['--import', 'tsx', '--expose-gc'],
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
});
function ask<T>(msg?: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    if (msg) child.send(msg);
  });
}
type Mem = { rss: number; heapUsed: number; connections: number };
const { port } = await ask<{ port: number }>();
const before = await ask<Mem>('rss');

const clients: MqttClient[] = [];
const t0 = performance.now();
await pool(flags.connections, flags.concurrency, async (i) => {
  const c = await connectMtls(port, ca.certificatePem, { certificatePem: device.certificatePem, privateKeyPem: device.keyPair.PrivateKey }, `bench-rss-${i}`);
  await c.subscribeAsync(`bench/${i}`, { qos: 1 });
  clients.push(c);
});
const connectSeconds = (performance.now() - t0) / 1000;
const after = await ask<Mem>('rss');

const MiB = 1024 * 1024;
const perConnection = (after.rss - before.rss) / flags.connections;
process.stdout.write(
  `${JSON.stringify({
    bench: 'broker-rss',
    broker: flags.plain ? 'plain aedes (comparison)' : 'pulsepet local broker',
    connections: after.connections,
    connectSeconds: round(connectSeconds),
    rssBeforeMiB: round(before.rss / MiB),
    rssAfterMiB: round(after.rss / MiB),
    heapAfterMiB: round(after.heapUsed / MiB),
    rssPerConnectionKiB: round(perConnection / 1024),
    projectedRssAt10kMiB: round((before.rss + perConnection * 10_000) / MiB),
    target: { connections: 10_000, rssMiB: 1024 },
  })}\n`,
);
for (const c of clients) c.end(true);
child.send('stop');
await new Promise((r) => child.once('exit', r));
rmSync(dir, { recursive: true, force: true });
