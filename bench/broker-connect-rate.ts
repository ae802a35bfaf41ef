/**
 * Broker benchmark 1: mTLS CONNECT rate of the local IoT Core broker (registry
 * lookup, CA check, policy evaluation for iot:Connect, lifecycle event) against
 * plain aedes doing the same TLS client authentication without them, same run,
 * same clients. Target: ratio ≥ 0.8.
 *
 *   npx tsx bench/broker-connect-rate.ts [--connections 600] [--concurrency 16] [--rounds 2]
 *
 * Prints one JSON object on stdout. Not a test: nothing is asserted.
 */
import { z } from 'zod';
import { type Device, startFixture } from '../test/support/local/broker';
import { benchFlags, connectMtls, round, startPlainAedes } from './broker-support';

const flags = benchFlags(
  { connections: { type: 'string' }, concurrency: { type: 'string' }, rounds: { type: 'string' } },
  z.object({
    connections: z.coerce.number().int().min(10).max(20_000).default(600),
    concurrency: z.coerce.number().int().min(1).max(256).default(16),
    rounds: z.coerce.number().int().min(1).max(10).default(2),
  }),
);

const fx = await startFixture();
const devices: Device[] = [];
for (let i = 0; i < flags.concurrency; i++) devices.push(await fx.device(`bench-conn-${i}`));
const baseline = await startPlainAedes({
  key: fx.server.privateKeyPem,
  cert: fx.server.certificatePem,
  ca: fx.ca.certificatePem,
});

/** Each worker connects and drops its own device's connection `perWorker` times. */
async function run(port: number, perWorker: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    devices.map(async (d) => {
      for (let i = 0; i < perWorker; i++) {
        const c = await connectMtls(port, fx.ca.certificatePem, d, d.thingName);
        c.end(true);
      }
    }),
  );
  return (perWorker * devices.length) / ((performance.now() - t0) / 1000);
}

const perWorker = Math.max(1, Math.round(flags.connections / flags.concurrency));
await run(fx.broker.port, 5);
await run(baseline.port, 5);
const checked: number[] = [];
const plain: number[] = [];
for (let r = 0; r < flags.rounds; r++) {
  plain.push(await run(baseline.port, perWorker));
  checked.push(await run(fx.broker.port, perWorker));
}
const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const checkedRate = mean(checked);
const plainRate = mean(plain);

process.stdout.write(
  `${JSON.stringify({
    bench: 'broker-connect-rate',
    connectionsPerRound: perWorker * devices.length,
    concurrency: devices.length,
    rounds: flags.rounds,
    checked: { connectsPerSec: round(checkedRate), rounds: checked.map((x) => round(x)) },
    baseline: { connectsPerSec: round(plainRate), rounds: plain.map((x) => round(x)), what: 'plain aedes, OpenSSL client-cert verification' },
    ratio: round(checkedRate / plainRate, 3),
    target: 0.8,
  })}\n`,
);
await baseline.close();
await fx.close();
