/**
 * Load generator for bench/shadow-throughput.ts, run as a child process so the
 * clients do not share an event loop (or a core) with the broker and the shadow
 * service. Reads the device file given as argv[2]; prints one JSON object.
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import mqtt from 'mqtt';
import { z } from 'zod';
import { FleetConnection } from '../simulators/index';
import { latencySummary, PACED_WARMUP_MS } from './latency';
import { type RoundTrip, type RoundTripDevice, type RoundTripRun, runRoundTrips } from './round-trip';

const InputSchema = z.object({
  mqttUrl: z.string(),
  caPem: z.string(),
  gatewayUrl: z.string(),
  credentials: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }),
  seconds: z.number().positive(),
  httpConcurrency: z.number().int().positive(),
  latencyRatePerThing: z.number().positive(),
  /** the devices' MQTT client: MQTT.js, or the fleet simulators' lean connection */
  client: z.enum(['mqttjs', 'fleet']),
  /** the measured phases to run (subscribe always runs) */
  phases: z.array(z.enum(['broker', 'mqttSaturated', 'http', 'brokerPaced', 'mqttPaced'])),
  devices: z.array(z.object({ thing: z.string(), certificatePem: z.string(), privateKeyPem: z.string() })).min(1),
});
type Input = z.infer<typeof InputSchema>;

const file = process.argv[2];
if (!file) throw new Error('usage: shadow-load <input.json>');
const input: Input = InputSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
/** AWS: 20 shadow requests per second per thing, so one thing sends at most every 50 ms. */
const MIN_GAP_MS = 50;

/** What the phases need of a device's MQTT connection, whichever client it is. */
interface Device extends RoundTripDevice {
  subscribe(filters: Record<string, 0 | 1>): Promise<unknown>;
  end(): void;
}

function connectMqttJs(d: Input['devices'][number]): Promise<Device> {
  return new Promise((resolve, reject) => {
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
      resolve({
        name: d.thing,
        publish: async (topic, payload, qos) => {
          // QoS 0: nothing to acknowledge, so no waiting for publishAsync's write callback
          if (qos === 0) c.publish(topic, payload, { qos });
          else await c.publishAsync(topic, payload, { qos });
        },
        subscribe: (filters) => c.subscribeAsync(Object.fromEntries(Object.entries(filters).map(([f, qos]) => [f, { qos }]))),
        onMessage: (h) => {
          c.removeAllListeners('message');
          c.on('message', h);
        },
        end: () => c.end(true),
      });
    });
    c.once('error', reject);
  });
}

async function connectFleet(d: Input['devices'][number]): Promise<Device> {
  const url = new URL(input.mqttUrl);
  const c = await FleetConnection.connect({
    host: url.hostname,
    port: Number(url.port),
    clientId: d.thing,
    cert: d.certificatePem,
    key: d.privateKeyPem,
    ca: input.caPem,
    servername: 'localhost',
  });
  return { name: d.thing, publish: (t, p, q) => c.publish(t, p, q), subscribe: (f) => c.subscribe(f), onMessage: (h) => c.onMessage(h), end: () => c.destroy() };
}

async function connectAll(): Promise<Device[]> {
  const out: Device[] = [];
  const connectOne = input.client === 'fleet' ? connectFleet : connectMqttJs;
  for (let i = 0; i < input.devices.length; i += 50) {
    out.push(...(await Promise.all(input.devices.slice(i, i + 50).map(connectOne))));
  }
  return out;
}

/** Baseline: QoS 1 publishes on each device's own topic, closed loop, same pacing rule off. */
async function brokerBaseline(clients: Device[], seconds: number) {
  let acked = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    clients.map(async (c, i) => {
      const topic = `dt/pulsepet/${input.devices[i]?.thing}/bench`;
      // a few in flight per connection, under IoT Core's 100 publishes/s per connection
      while (performance.now() < end) {
        const t = performance.now();
        await c.publish(topic, '{"bench":true}', 1);
        acked++;
        const gap = 10 - (performance.now() - t);
        if (gap > 0) await new Promise((r) => setTimeout(r, gap));
      }
    }),
  );
  return { publishesPerSec: Math.round(acked / ((performance.now() - started) / 1000)), publishes: acked };
}

/** A shadow phase's figures (the delta is the update's answer). */
interface ShadowRun {
  updatesPerSec: number;
  accepted: number;
  rejected: Record<string, number>;
  unanswered: number;
  deltaLatency: RoundTripRun['latency'];
  warmup?: RoundTripRun['warmup'];
}

/**
 * Like the agent after it connects, every device subscribes once to its shadow's
 * update/delta and update/rejected (QoS 0), and to its echo topic for the broker
 * baseline. Done once, before the shadow phases and outside them: a thousand
 * SUBSCRIBEs at once keep the broker busy for 100-200 ms (authorization, retained
 * lookup, SUBACK writes over TLS), which used to fall inside the update → delta
 * window and set its p99. Reported as its own figure.
 */
async function subscribeAll(clients: Device[]) {
  const started = performance.now();
  await Promise.all(
    clients.map((c) => {
      const base = `$aws/things/${c.name}/shadow/update`;
      return c.subscribe({ [`${base}/delta`]: 0, [`${base}/rejected`]: 0, [BROKER_ECHO.topic(c.name)]: 0 });
    }),
  );
  return { subscriptions: clients.length * 3, allSubackMs: Math.round(performance.now() - started) };
}

/**
 * Each device updates its own shadow's desired state (a new `seq` each time, so
 * every accepted update has a delta) and, like the agent, is subscribed to
 * update/delta and update/rejected only ({@link subscribeAll}); the delta is the
 * acknowledgement it waits for.
 */
const SHADOW_UPDATE: RoundTrip = {
  topic: (thing) => `$aws/things/${thing}/shadow/update`,
  body: (seq, token) => JSON.stringify({ state: { desired: { seq, mood: 'calm' } }, clientToken: token }),
  acceptedSuffix: '/delta',
};

/**
 * The broker alone, at the paced phase's rate: a publish on the device's own
 * telemetry namespace (which no rule reads) that comes back to it.
 */
const BROKER_ECHO: RoundTrip = {
  topic: (thing) => `dt/pulsepet/${thing}/bench-echo`,
  body: (seq, token) => JSON.stringify({ seq, mood: 'calm', clientToken: token }),
  acceptedSuffix: '/bench-echo',
};

async function mqttShadow(clients: Device[], seconds: number, gapMs: number, warmupMs = 0): Promise<ShadowRun> {
  const r = await runRoundTrips(clients, { seconds, gapMs, trip: SHADOW_UPDATE, warmupMs });
  const run: ShadowRun = { updatesPerSec: r.perSec, accepted: r.accepted, rejected: r.rejected, unanswered: r.unanswered, deltaLatency: r.latency };
  if (r.warmup) run.warmup = r.warmup;
  return run;
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
let brokerPaced: { roundTripsPerSec: number; roundTrips: number; unanswered: number; roundTripLatency: RoundTripRun['latency']; warmup: RoundTripRun['warmup'] } | undefined;
if (runs.has('brokerPaced')) {
  phase('brokerPaced');
  const r = await runRoundTrips(clients, { seconds: input.seconds, gapMs: 1000 / input.latencyRatePerThing, trip: BROKER_ECHO, warmupMs: PACED_WARMUP_MS });
  brokerPaced = { roundTripsPerSec: r.perSec, roundTrips: r.accepted, unanswered: r.unanswered, roundTripLatency: r.latency, warmup: r.warmup };
}
let mqttPaced: ShadowRun | undefined;
if (runs.has('mqttPaced')) {
  phase('mqttPaced');
  mqttPaced = await mqttShadow(clients, input.seconds, 1000 / input.latencyRatePerThing, PACED_WARMUP_MS);
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
  brokerPaced,
  mqttPaced,
  clientCpuMs,
  clientEventLoopDelay,
};
for (const c of clients) c.end();
process.stdout.write(`${JSON.stringify(result)}\n`);
