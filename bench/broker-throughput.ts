/**
 * Broker benchmark 3: QoS 1 end-to-end throughput with policy checks (iot:Publish
 * per message, iot:Receive per delivery, pulsepet-device publishers and a
 * pulsepet-operator subscriber) against plain aedes without authorization, same
 * run, same clients. IoT Core's 100 publishes/s per connection limit is lifted for
 * this run so the figure measures the checks, not the throttle. Target: ratio ≥ 0.7.
 *
 *   npx tsx bench/broker-throughput.ts [--publishers 4] [--messages 2000] [--window 32] [--rounds 2]
 *
 * Prints one JSON object on stdout. Not a test: nothing is asserted.
 */
import type { MqttClient } from 'mqtt';
import { z } from 'zod';
import { type Device, startFixture } from '../test/support/local/broker';
import { OPERATOR_CLIENT_ID_PREFIX, OPERATOR_POLICY_NAME, operatorPolicyDocument } from '../protocol/policies';
import { benchFlags, connectMtls, pool, round, startPlainAedes } from './broker-support';

const flags = benchFlags(
  { publishers: { type: 'string' }, messages: { type: 'string' }, window: { type: 'string' }, rounds: { type: 'string' } },
  z.object({
    publishers: z.coerce.number().int().min(1).max(64).default(4),
    /** per publisher per round */
    messages: z.coerce.number().int().min(10).max(100_000).default(2000),
    window: z.coerce.number().int().min(1).max(1000).default(32),
    rounds: z.coerce.number().int().min(1).max(10).default(2),
  }),
);

const fx = await startFixture({ limits: { publishesPerSecond: 1e9 } });
const publishers: Device[] = [];
for (let i = 0; i < flags.publishers; i++) publishers.push(await fx.device(`bench-tp-${i}`));
const watcher = await fx.device('bench-tp-watcher', { policy: false });
await fx.registry.createPolicy(OPERATOR_POLICY_NAME, operatorPolicyDocument());
await fx.registry.attachPolicy(OPERATOR_POLICY_NAME, watcher.certificateArn);
const baseline = await startPlainAedes({ key: fx.server.privateKeyPem, cert: fx.server.certificatePem, ca: fx.ca.certificatePem });

const payload = Buffer.from(
  JSON.stringify({
    v: 1,
    batchId: '01JBENCH000000000000000000',
    seq: 1,
    samples: Array.from({ length: 10 }, (_, i) => ({ t: 1_700_000_000_000 + i * 1000, hr: 70 + i, steps: i })),
    summary: { from: 1_700_000_000_000, to: 1_700_000_009_000, n: 10, hrMean: 74.5, hrMax: 79, stepsSum: 45 },
  }),
);

interface Clients {
  pubs: MqttClient[];
  sub: MqttClient;
}

async function connectAll(port: number): Promise<Clients> {
  const ca = fx.ca.certificatePem;
  const sub = await connectMtls(port, ca, watcher, `${OPERATOR_CLIENT_ID_PREFIX}bench`);
  await sub.subscribeAsync('dt/pulsepet/+/telemetry', { qos: 1 });
  const pubs = await Promise.all(publishers.map((d) => connectMtls(port, ca, d, d.thingName)));
  return { pubs, sub };
}

/** Publishes `messages` per publisher and resolves with deliveries/s at the subscriber. */
async function round1(c: Clients): Promise<number> {
  const expected = flags.messages * c.pubs.length;
  let received = 0;
  const allIn = new Promise<void>((resolve) => {
    const onMessage = () => {
      if (++received === expected) {
        c.sub.off('message', onMessage);
        resolve();
      }
    };
    c.sub.on('message', onMessage);
  });
  const t0 = performance.now();
  await Promise.all(
    c.pubs.map((p, i) =>
      pool(flags.messages, flags.window, async () => {
        await p.publishAsync(`dt/pulsepet/bench-tp-${i}/telemetry`, payload, { qos: 1 });
      }),
    ),
  );
  await allIn;
  return expected / ((performance.now() - t0) / 1000);
}

const checkedClients = await connectAll(fx.broker.port);
const plainClients = await connectAll(baseline.port);
const warm = flags.messages;
flags.messages = Math.max(10, Math.round(warm / 10));
await round1(checkedClients);
await round1(plainClients);
flags.messages = warm;
const checked: number[] = [];
const plain: number[] = [];
for (let r = 0; r < flags.rounds; r++) {
  plain.push(await round1(plainClients));
  checked.push(await round1(checkedClients));
}
const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;

process.stdout.write(
  `${JSON.stringify({
    bench: 'broker-throughput',
    qos: 1,
    publishers: flags.publishers,
    messagesPerRound: flags.messages * flags.publishers,
    payloadBytes: payload.length,
    window: flags.window,
    checked: { deliveriesPerSec: round(mean(checked)), rounds: checked.map((x) => round(x)) },
    baseline: { deliveriesPerSec: round(mean(plain)), rounds: plain.map((x) => round(x)), what: 'plain aedes, no authorization' },
    ratio: round(mean(checked) / mean(plain), 3),
    target: 0.7,
  })}\n`,
);
for (const c of [...checkedClients.pubs, checkedClients.sub, ...plainClients.pubs, plainClients.sub]) c.end(true);
await baseline.close();
await fx.close();
