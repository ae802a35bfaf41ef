/**
 * Load generator for bench/shadow-throughput.ts, run as a child process so the
 * clients do not share an event loop (or a core) with the broker and the shadow
 * service. Reads the device file given as argv[2]; prints one JSON object.
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import mqtt, { type MqttClient } from 'mqtt';
import { z } from 'zod';
import { latencySummary } from './latency';

const InputSchema = z.object({
  mqttUrl: z.string(),
  caPem: z.string(),
  gatewayUrl: z.string(),
  credentials: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }),
  seconds: z.number().positive(),
  httpConcurrency: z.number().int().positive(),
  latencyRatePerThing: z.number().positive(),
  /** the measured phases to run (subscribe always runs) */
  phases: z.array(z.enum(['broker', 'mqttSaturated', 'http', 'mqttPaced'])),
  devices: z.array(z.object({ thing: z.string(), certificatePem: z.string(), privateKeyPem: z.string() })).min(1),
});
type Input = z.infer<typeof InputSchema>;

const file = process.argv[2];
if (!file) throw new Error('usage: shadow-load <input.json>');
const input: Input = InputSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
/** AWS: 20 shadow requests per second per thing, so one thing sends at most every 50 ms. */
const MIN_GAP_MS = 50;

async function connectAll(): Promise<MqttClient[]> {
  const out: MqttClient[] = [];
  for (let i = 0; i < input.devices.length; i += 50) {
    const batch = input.devices.slice(i, i + 50).map(
      (d) =>
        new Promise<MqttClient>((resolve, reject) => {
          const c = mqtt.connect(input.mqttUrl, {
            protocolVersion: 4,
            clientId: d.thing,
            key: d.privateKeyPem,
            cert: d.certificatePem,
            ca: input.caPem,
            servername: 'localhost',
            reconnectPeriod: 0,
            connectTimeout: 30_000,
          });
          c.once('connect', () => {
            // No Nagle on the devices' side: a publish is not held back waiting for the
            // ACK of an earlier segment (the broker sets TCP_NODELAY on its side too), so
            // the figures measure the broker and the shadow service, not TCP coalescing.
            (c.stream as Partial<Pick<Socket, 'setNoDelay'>>).setNoDelay?.(true);
            resolve(c);
          });
          c.once('error', reject);
        }),
    );
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/** Baseline: QoS 1 publishes on each device's own topic, closed loop, same pacing rule off. */
async function brokerBaseline(clients: MqttClient[], seconds: number) {
  let acked = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    clients.map(async (c, i) => {
      const topic = `dt/pulsepet/${input.devices[i]?.thing}/bench`;
      // a few in flight per connection, under IoT Core's 100 publishes/s per connection
      while (performance.now() < end) {
        const t = performance.now();
        await c.publishAsync(topic, '{"bench":true}', { qos: 1 });
        acked++;
        const gap = 10 - (performance.now() - t);
        if (gap > 0) await new Promise((r) => setTimeout(r, gap));
      }
    }),
  );
  return { publishesPerSec: Math.round(acked / ((performance.now() - started) / 1000)), publishes: acked };
}

interface ShadowRun {
  updatesPerSec: number;
  accepted: number;
  rejected: Record<string, number>;
  deltaLatency: ReturnType<typeof latencySummary>;
}

/**
 * Like the agent after it connects, every device subscribes once to its shadow's
 * update/delta and update/rejected (QoS 0). Done once, before the shadow phases and
 * outside them: a thousand SUBSCRIBEs at once keep the broker busy for 100-200 ms
 * (authorization, retained lookup, SUBACK writes over TLS), which used to fall
 * inside the update → delta window and set its p99. Reported as its own figure.
 */
async function subscribeAll(clients: MqttClient[]) {
  const started = performance.now();
  await Promise.all(
    clients.map((c, i) => {
      const base = `$aws/things/${input.devices[i]?.thing}/shadow/update`;
      return c.subscribeAsync({ [`${base}/delta`]: { qos: 0 }, [`${base}/rejected`]: { qos: 0 } });
    }),
  );
  return { subscriptions: clients.length * 2, allSubackMs: Math.round(performance.now() - started) };
}

/**
 * Each device updates its own shadow's desired state (a new `seq` each time, so
 * every accepted update has a delta) and, like the agent, is subscribed to
 * update/delta and update/rejected only ({@link subscribeAll}); the delta is the
 * acknowledgement it waits for. `gapMs` paces each thing.
 */
async function mqttShadow(clients: MqttClient[], seconds: number, gapMs: number): Promise<ShadowRun> {
  const deltaLat: number[] = [];
  const rejected: Record<string, number> = {};
  let accepted = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    clients.map(async (c, i) => {
      const thing = input.devices[i]?.thing ?? '';
      const base = `$aws/things/${thing}/shadow/update`;
      const sentAt = new Map<string, number>();
      let answer: (() => void) | undefined;
      c.removeAllListeners('message');
      c.on('message', (topic, buf) => {
        const body = JSON.parse(buf.toString('utf8')) as { clientToken?: string; code?: number };
        const t0 = body.clientToken ? sentAt.get(body.clientToken) : undefined;
        if (t0 === undefined) return;
        sentAt.delete(body.clientToken as string);
        if (topic.endsWith('/delta')) {
          accepted++;
          deltaLat.push(performance.now() - t0);
        } else {
          rejected[String(body.code)] = (rejected[String(body.code)] ?? 0) + 1;
        }
        answer?.();
      });
      // Independent devices are not in lockstep: spread the first update over one period.
      await new Promise((r) => setTimeout(r, Math.random() * gapMs));
      let seq = 0;
      while (performance.now() < end) {
        const t = performance.now();
        const token = `${thing}-${seq}`;
        sentAt.set(token, t);
        // answered by the delta (or rejection), or given up after 5 s; the timer is
        // cleared on the answer so thousands of pending 5 s timers do not pile up in
        // the load generator's heap (and its GC pauses into the figures)
        let giveUp: NodeJS.Timeout | undefined;
        const answered = new Promise<void>((r) => {
          answer = r;
          giveUp = setTimeout(r, 5000);
        });
        c.publish(base, JSON.stringify({ state: { desired: { seq: seq++, mood: 'calm' } }, clientToken: token }), { qos: 0 });
        await answered;
        clearTimeout(giveUp);
        const gap = gapMs - (performance.now() - t);
        if (gap > 0) await new Promise((r) => setTimeout(r, gap));
      }
    }),
  );
  const secs = (performance.now() - started) / 1000;
  return { updatesPerSec: Math.round(accepted / secs), accepted, rejected, deltaLatency: latencySummary(deltaLat) };
}

async function httpShadow(seconds: number) {
  const client = new IoTDataPlaneClient({
    endpoint: input.gatewayUrl,
    region: 'us-east-1',
    credentials: input.credentials,
    maxAttempts: 1,
  });
  const lat: number[] = [];
  const errors: Record<string, number> = {};
  let ok = 0;
  let next = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: input.httpConcurrency }, async () => {
      while (performance.now() < end) {
        const d = input.devices[next++ % input.devices.length];
        if (!d) break;
        const t = performance.now();
        try {
          await client.send(
            new UpdateThingShadowCommand({
              thingName: d.thing,
              shadowName: 'config',
              payload: Buffer.from(JSON.stringify({ state: { desired: { batchIntervalMs: 1000 + (next % 1000) } } })),
            }),
          );
          ok++;
          lat.push(performance.now() - t);
        } catch (e) {
          const name = (e as { name?: string }).name ?? 'Error';
          errors[name] = (errors[name] ?? 0) + 1;
        }
      }
    }),
  );
  client.destroy();
  return { updatesPerSec: Math.round(ok / ((performance.now() - started) / 1000)), accepted: ok, errors, latency: latencySummary(lat) };
}

/** This (client) process's CPU per phase, to see how the two cores were shared. */
const clientCpuMs: Record<string, number> = {};
/**
 * This process's event-loop delay per phase: latency the load generator adds
 * itself (1,000 TLS clients on one loop), apart from the server's.
 */
const clientEventLoopDelay: Record<string, { p50Ms: number; p99Ms: number; maxMs: number }> = {};
const clientLoop = monitorEventLoopDelay({ resolution: 5 });
clientLoop.enable();
let cpuPhase: string | undefined;
let cpuAt = process.cpuUsage();

/** Tells the parent a phase starts (it samples its event-loop delay per phase). */
function phase(name: string): void {
  if (cpuPhase !== undefined) {
    const used = process.cpuUsage(cpuAt);
    clientCpuMs[cpuPhase] = Math.round((used.user + used.system) / 1000);
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    clientEventLoopDelay[cpuPhase] = { p50Ms: ms(clientLoop.percentile(50)), p99Ms: ms(clientLoop.percentile(99)), maxMs: ms(clientLoop.max) };
  }
  clientLoop.reset();
  cpuPhase = name === 'end' ? undefined : name;
  cpuAt = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ phase: name })}\n`);
}

/**
 * Asks the parent to wait until the server's event loop is quiet (the connect
 * burst's presence events have gone through the rules runtime into the telemetry
 * store, the subscriptions are stored) and resolves on its answer: each phase
 * starts from a settled server, and the settling time is reported, not hidden.
 */
const settledLines: Array<(ms: number) => void> = [];
let stdinBuf = '';
process.stdin.on('data', (c: Buffer) => {
  stdinBuf += c.toString('utf8');
  let nl = stdinBuf.indexOf('\n');
  while (nl >= 0) {
    const line = stdinBuf.slice(0, nl);
    stdinBuf = stdinBuf.slice(nl + 1);
    settledLines.shift()?.(Number(line));
    nl = stdinBuf.indexOf('\n');
  }
});
function settle(after: string): Promise<number> {
  const p = new Promise<number>((r) => settledLines.push(r));
  process.stdout.write(`${JSON.stringify({ settle: after })}\n`);
  return p;
}

const clients = await connectAll();
const runs = new Set(input.phases);
const settleAfterConnectMs = await settle('connect');
let broker: Awaited<ReturnType<typeof brokerBaseline>> | undefined;
if (runs.has('broker')) {
  phase('broker');
  broker = await brokerBaseline(clients, input.seconds);
}
phase('subscribe');
const subscribe = await subscribeAll(clients);
const settleAfterSubscribeMs = await settle('subscribe');
let mqttSaturated: ShadowRun | undefined;
if (runs.has('mqttSaturated')) {
  phase('mqttSaturated');
  mqttSaturated = await mqttShadow(clients, input.seconds, MIN_GAP_MS);
}
let http: Awaited<ReturnType<typeof httpShadow>> | undefined;
let settleAfterHttpMs: number | undefined;
if (runs.has('http')) {
  phase('http');
  http = await httpShadow(input.seconds);
  settleAfterHttpMs = await settle('http');
}
let mqttPaced: ShadowRun | undefined;
if (runs.has('mqttPaced')) {
  phase('mqttPaced');
  mqttPaced = await mqttShadow(clients, input.seconds, 1000 / input.latencyRatePerThing);
}
phase('end');
process.stdin.destroy();
clientLoop.disable();
const result = {
  settleMs: { afterConnect: settleAfterConnectMs, afterSubscribe: settleAfterSubscribeMs, afterHttp: settleAfterHttpMs },
  broker,
  subscribe,
  mqttSaturated,
  http,
  mqttPaced,
  clientCpuMs,
  clientEventLoopDelay,
};
for (const c of clients) c.end(true);
process.stdout.write(`${JSON.stringify(result)}\n`);
