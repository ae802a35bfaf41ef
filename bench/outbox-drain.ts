/**
 * Time to drain a 100,000-sample backlog after reconnecting, through the real local
 * broker (mTLS, device policy, IoT limits) with aws-iot-device-sdk-v2 (MQTT 3.1.1).
 * Prints JSON. The floor is set by IoT Core's 100 publishes/s per connection:
 * ceil(samples / batchMaxSamples) / 100 seconds; the agent keeps to 90/s by default.
 *
 *   node --import tsx bench/outbox-drain.ts [--samples 100000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../common/logger';
import { Agent, mqtt311Transport, Outbox } from '../device-agent/index';
import { startFixture } from '../test/support/local/broker';

const { values } = parseArgs({ options: { samples: { type: 'string' } } });
const N = Number(values.samples ?? 100_000);
const fx = await startFixture();
const results: Array<Record<string, number>> = [];
let received = 0;
fx.broker.onPublish('dt/pulsepet/+/telemetry', () => {
  received++;
});

for (const batchMaxSamples of [120, 600]) {
  const thing = `drain-${batchMaxSamples}`;
  const dev = await fx.device(thing);
  const dir = mkdtempSync(join(tmpdir(), 'pp-bench-drain-'));
  // Fill the backlog offline, fsync'd once at close so the drain does not pay for
  // flushing the fill's dirty pages (only the drain is measured).
  const fill = Outbox.open({ dir, logger: silentLogger(), fsync: { kind: 'interval', ms: 3_600_000 }, maxBytes: 2 ** 40 });
  const ps: Array<Promise<number>> = [];
  for (let i = 0; i < N; i++) ps.push(fill.append({ s: { t: 1_700_000_000_000 + i * 1000, hr: 60 + (i % 40), steps: i % 3 } }));
  await Promise.all(ps);
  await fill.close();
  const outbox = Outbox.open({ dir, logger: silentLogger(), maxBytes: 2 ** 40 });
  received = 0;
  const agent = new Agent({
    thing,
    transport: mqtt311Transport({
      host: 'localhost',
      port: fx.broker.port,
      clientId: thing,
      certPem: dev.certificatePem,
      keyPem: dev.privateKeyPem,
      caPem: fx.ca.certificatePem,
      logger: silentLogger(),
    }),
    outbox,
    batch: { maxSamples: batchMaxSamples, maxBytes: 120 * 1024, intervalMs: 10_000 },
    output: { show: async () => undefined },
    logger: silentLogger(),
  });
  const connected = new Promise<number>((resolve) => agent.once('connected', () => resolve(performance.now())));
  agent.start();
  const t0 = await connected;
  while (outbox.depth > 0) await new Promise((r) => setTimeout(r, 10));
  const seconds = (performance.now() - t0) / 1000;
  const batches = Math.ceil(N / batchMaxSamples);
  results.push({
    batchMaxSamples,
    batches,
    drainSeconds: Math.round(seconds * 100) / 100,
    floorSecondsAt100PerSec: batches / 100,
    ratioToFloor: Math.round((seconds / (batches / 100)) * 100) / 100,
    publishesPerSec: Math.round(batches / seconds),
    messagesSeenByBroker: received,
  });
  await agent.stop();
  rmSync(dir, { recursive: true, force: true });
}
await fx.close();
process.stdout.write(`${JSON.stringify({ bench: 'outbox-drain', samples: N, rateLimitPerSec: 90, results }, null, 2)}\n`);
process.exit(0);
