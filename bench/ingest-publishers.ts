/**
 * Child process of bench/ingest-throughput.ts: the simulated fleet. Connects N devices
 * over mTLS and, on each `run` message, publishes paced telemetry v1 batches, then
 * reports when each batch was published. Running the fleet in its own process keeps
 * MQTT.js off the event loop being measured (the stack's).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { z } from 'zod';

const DeviceSchema = z.object({ thing: z.string(), certificatePem: z.string(), privateKeyPem: z.string() });
const InitSchema = z.object({ kind: z.literal('init'), mqttEndpoint: z.string(), caPem: z.string(), devices: z.array(DeviceSchema) });
const RunSchema = z.object({
  kind: z.literal('run'),
  /** `telemetry` goes through the rules; `bench` is routed by the broker only */
  topicLeaf: z.enum(['telemetry', 'bench']),
  batchesPerDevice: z.number().int().min(1),
  samplesPerBatch: z.number().int().min(1).max(600),
  ratePerDevice: z.number().positive(),
  baseT: z.number().int(),
  seqBase: z.number().int().min(0),
});
const MessageSchema = z.discriminatedUnion('kind', [InitSchema, RunSchema, z.object({ kind: z.literal('exit') })]);

let clients: Array<{ thing: string; client: MqttClient }> = [];

function send(msg: object): void {
  process.send?.(msg);
}

function batch(thing: string, k: number, run: z.infer<typeof RunSchema>, deviceIndex: number): string {
  const samples = [];
  const t0 = run.baseT + k * run.samplesPerBatch;
  let hrSum = 0;
  let hrMax = 0;
  let steps = 0;
  for (let i = 0; i < run.samplesPerBatch; i++) {
    const hr = 60 + ((i + deviceIndex) % 40); // mean below the reason_on_signal thresholds
    hrSum += hr;
    hrMax = Math.max(hrMax, hr);
    steps += i % 5;
    samples.push({ t: t0 + i, hr, steps: i % 5, hrvRmssd: 30 + (i % 40), spo2: 97 });
  }
  return JSON.stringify({
    v: 1,
    batchId: `${thing}-${run.seqBase + k}`,
    seq: run.seqBase + k,
    samples,
    summary: { from: t0, to: t0 + run.samplesPerBatch - 1, n: run.samplesPerBatch, hrMean: hrSum / run.samplesPerBatch, hrMax, stepsSum: steps },
  });
}

async function runDevice(d: { thing: string; client: MqttClient }, index: number, run: z.infer<typeof RunSchema>): Promise<number[]> {
  const sentAt: number[] = [];
  const interval = 1000 / run.ratePerDevice;
  const start = performance.now() + (index * interval) / clients.length;
  const pending: Promise<void>[] = [];
  for (let k = 0; k < run.batchesPerDevice; k++) {
    // pace below IoT Core's 100 publishes/s per connection (over-limit publishes are dropped)
    const due = start + k * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const payload = batch(d.thing, k, run, index);
    sentAt.push(Date.now());
    pending.push(d.client.publishAsync(`dt/pulsepet/${d.thing}/${run.topicLeaf}`, payload, { qos: 1 }).then(() => undefined));
  }
  await Promise.all(pending);
  return sentAt;
}

process.on('message', (raw: unknown) => {
  const msg = MessageSchema.parse(raw);
  if (msg.kind === 'exit') {
    for (const c of clients) c.client.end(true);
    process.exit(0);
  }
  if (msg.kind === 'init') {
    // a new stack: the previous one's connections go
    for (const c of clients) c.client.end(true);
    clients = [];
    void Promise.all(
      msg.devices.map(
        (d) =>
          new Promise<{ thing: string; client: MqttClient }>((resolve, reject) => {
            const client = mqtt.connect(msg.mqttEndpoint, {
              protocolVersion: 4,
              clientId: d.thing,
              cert: d.certificatePem,
              key: d.privateKeyPem,
              ca: msg.caPem,
              reconnectPeriod: 0,
              keepalive: 1200,
              connectTimeout: 30_000,
            });
            client.once('connect', () => resolve({ thing: d.thing, client }));
            client.once('error', reject);
          }),
      ),
    ).then(
      (c) => {
        clients = c;
        send({ kind: 'ready' });
      },
      (e: unknown) => send({ kind: 'error', message: String(e) }),
    );
    return;
  }
  void Promise.all(clients.map((d, i) => runDevice(d, i, msg))).then(
    (sent) => send({ kind: 'done', sent: Object.fromEntries(clients.map((d, i) => [d.thing, sent[i]])) }),
    (e: unknown) => send({ kind: 'error', message: String(e) }),
  );
});
