/**
 * Child process of bench/reasoning-loop.ts: the fleet. Each device subscribes to its
 * `pet` shadow's update/delta, publishes 5-minute batches that alternate between
 * running and rest (so each batch changes the pet's state), and reports, per batch,
 * the time from the publish to the delta that followed it.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { z } from 'zod';
import { summarize } from '../protocol/telemetry';

const InitSchema = z.object({
  kind: z.literal('init'),
  mqttEndpoint: z.string(),
  caPem: z.string(),
  devices: z.array(z.object({ thing: z.string(), certificatePem: z.string(), privateKeyPem: z.string() })),
});
const RunSchema = z.object({ kind: z.literal('run'), batches: z.number().int().min(1), intervalMs: z.number().int().min(1), end: z.number().int() });
const MessageSchema = z.discriminatedUnion('kind', [InitSchema, RunSchema, z.object({ kind: z.literal('exit') })]);

interface Device {
  thing: string;
  client: MqttClient;
  /** resolves the wait for the next delta */
  onDelta?: () => void;
}
let devices: Device[] = [];

function batch(thing: string, k: number, batches: number, end: number): string {
  const running = k % 2 === 0;
  const t0 = end - (batches - k) * 300_000;
  const samples = Array.from({ length: 300 }, (_, i) => {
    const t = t0 + i * 1000;
    return running ? { t, hr: 150 + (i % 5), hrvRmssd: 12, steps: 3, accelG: 1.5 } : { t, hr: 60 + (i % 5), hrvRmssd: 50, steps: 0, accelG: 0.01 };
  });
  return JSON.stringify({ v: 1, batchId: `${thing}-${t0}`, seq: Math.floor(t0 / 300_000), samples, summary: summarize(samples) });
}

async function runDevice(d: Device, index: number, run: z.infer<typeof RunSchema>): Promise<number[]> {
  const latencies: number[] = [];
  await new Promise((r) => setTimeout(r, (index * run.intervalMs) / devices.length));
  for (let k = 0; k < run.batches; k++) {
    const started = performance.now();
    const delta = new Promise<void>((resolve) => {
      d.onDelta = resolve;
    });
    await d.client.publishAsync(`dt/pulsepet/${d.thing}/telemetry`, batch(d.thing, k, run.batches, run.end), { qos: 1 });
    const timedOut = await Promise.race([delta.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 10_000))]);
    latencies.push(timedOut ? Number.POSITIVE_INFINITY : performance.now() - started);
    const wait = run.intervalMs - (performance.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return latencies;
}

function connect(m: z.infer<typeof InitSchema>, d: z.infer<typeof InitSchema>['devices'][number]): Promise<Device> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(m.mqttEndpoint, { protocolVersion: 4, clientId: d.thing, cert: d.certificatePem, key: d.privateKeyPem, ca: m.caPem, reconnectPeriod: 0, keepalive: 600 });
    const dev: Device = { thing: d.thing, client };
    client.on('message', () => {
      dev.onDelta?.();
      dev.onDelta = undefined;
    });
    client.once('connect', () => {
      client.subscribeAsync(`$aws/things/${d.thing}/shadow/name/pet/update/delta`, { qos: 1 }).then(() => resolve(dev), reject);
    });
    client.once('error', reject);
  });
}

process.on('message', (raw: unknown) => {
  const msg = MessageSchema.parse(raw);
  if (msg.kind === 'exit') {
    for (const d of devices) d.client.end(true);
    process.exit(0);
  }
  if (msg.kind === 'init') {
    void Promise.all(msg.devices.map((d) => connect(msg, d))).then(
      (ds) => {
        devices = ds;
        process.send?.({ kind: 'ready' });
      },
      (e: unknown) => process.send?.({ kind: 'error', message: String(e) }),
    );
    return;
  }
  void Promise.all(devices.map((d, i) => runDevice(d, i, msg))).then(
    (all) => process.send?.({ kind: 'done', latencies: all.flat().map((x) => (Number.isFinite(x) ? x : -1)) }),
    (e: unknown) => process.send?.({ kind: 'error', message: String(e) }),
  );
});
