/**
 * Shadow benchmark: updates/s across N things (default 1,000) over MQTT (device
 * certificates, reserved topics) and over HTTP (real data-plane client), and the
 * update → delta latency a subscribed device sees, against baselines measured in
 * the same run: the broker-only QoS 1 publish rate and, at the paced phase's rate,
 * the broker-only round trip (a device's publish delivered back to it,
 * `brokerPaced`), which is the floor the update → delta latency sits on
 * (bench/echo-reference.ts measures the floors under that one: mosquitto and
 * plain aedes). AWS quotas stay on (20 requests/s per thing, 10 in flight), so
 * each thing is paced at ≤ 20 updates/s. Paced phases leave their first second
 * out of the latency figures (`warmup`).
 * Devices subscribe once (like the agent), in their own `subscribe` phase; before
 * each measured MQTT phase the run waits for the server's event loop to be quiet
 * (connect burst → presence events → rules → telemetry store) and reports how long
 * that took in `settleMs`, so one-off bursts neither hide nor leak into the
 * update → delta figures.
 *
 *   npx tsx bench/shadow-throughput.ts [--things 1000] [--seconds 8] [--http-concurrency 32] [--latency-rate 5]
 *     [--phases broker,mqttSaturated,http,brokerPaced,mqttPaced]   (a subset, e.g. to repeat one phase)
 *     [--client mqttjs|fleet]   (the devices' MQTT client: MQTT.js, or simulators/fleet-connection.ts)
 *     [--shadow-fsync always|interval:MS|never]   (when an update is acknowledged; default interval:1000)
 *     [--pin auto|on|off]   (server event loop on CPU 0, load generator on CPU 1; needs taskset; auto: when possible)
 *     [--cpu-prof-phase mqttSaturated --cpu-prof-dir /tmp]   (CPU profile of the server during one phase)
 *
 * The server is the stack as `pulsepet up` runs it (on a host with two CPUs or
 * fewer that includes common/gc-tuning.ts); on such a host the load generator runs
 * with the same V8 setting (`loadGeneratorNodeFlags` in the output).
 *
 * Prints one JSON object on stdout. Not a test: nothing is asserted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import { z } from 'zod';
import { FsyncPolicySchema } from '../common/fsync-policy';
import { SMALL_HOST_MAX_CPUS } from '../common/gc-tuning';
import { DEFAULT_SHADOW_FSYNC } from '../local/index';
import { parseShadowTopic } from '../protocol/topics';
import { startShadowHarness } from '../test/support/local/shadow/harness';
import { latencySummary, PACED_PHASES, PACED_WARMUP_MS } from './latency';

const Flags = z.object({
  things: z.coerce.number().int().min(1).max(5000).default(1000),
  /** per phase; at least 2 (paced phases measure latency after their first second) */
  seconds: z.coerce.number().min(2).max(120).default(8),
  'http-concurrency': z.coerce.number().int().min(1).max(512).default(32),
  /** updates/s per thing in the paced phases: 5 × 1,000 things = the 5,000 updates/s the latency target is set at */
  'latency-rate': z.coerce.number().positive().max(20).default(5),
  /** comma-separated measured phases to run, in their fixed order (subscribe always runs) */
  phases: z
    .string()
    .default('broker,mqttSaturated,http,brokerPaced,mqttPaced')
    .transform((s) => s.split(',').filter((p) => p !== ''))
    .pipe(z.array(z.enum(['broker', 'mqttSaturated', 'http', 'brokerPaced', 'mqttPaced'])).min(1)),
  /**
   * `on`: the server's event-loop thread runs on CPU 0 and the load generator on
   * CPU 1 (taskset), so the OS cannot put the two busy loops on one CPU while the
   * other idles, as it would not if the devices were on other machines; the
   * server's other threads are left free. `auto` (default): on where there are at
   * least 2 CPUs and taskset, else off
   */
  pin: z.enum(['on', 'off', 'auto']).default('auto'),
  /**
   * the devices' MQTT client: `mqttjs` (MQTT.js) or `fleet` (the fleet simulators'
   * lean connection, simulators/fleet-connection.ts)
   */
  client: z.enum(['mqttjs', 'fleet']).default('mqttjs'),
  /**
   * when the server acknowledges a shadow update (common/fsync-policy.ts); default
   * the stack's, DEFAULT_SHADOW_FSYNC: after write(2), fsync'd within a second
   */
  'shadow-fsync': FsyncPolicySchema.default(DEFAULT_SHADOW_FSYNC),
  /** write a CPU profile of the server process for this phase (e.g. mqttSaturated) */
  'cpu-prof-phase': z.string().optional(),
  'cpu-prof-dir': z.string().default('.'),
});

function parseArgs(argv: string[]): z.infer<typeof Flags> {
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    const v = argv[i + 1];
    if (!k?.startsWith('--') || v === undefined) throw new Error(`bad flag near ${k ?? ''}`);
    raw[k.slice(2)] = v;
  }
  const r = Flags.safeParse(raw);
  if (!r.success) {
    process.stderr.write(`${z.prettifyError(r.error)}\n`);
    process.exit(2);
  }
  return r.data;
}

/**
 * Resolves once this process's event loop (the whole stack: broker, shadows, rules
 * runtime, telemetry store) has run 1.5 s without a timer firing more than 10 ms
 * late, e.g. after the presence events of 1,000 connects have been written to the
 * telemetry store; gives up after 30 s. Resolves with the milliseconds waited.
 */
function waitForQuiet(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    let last = performance.now();
    let quietSince = last;
    const timer = setInterval(() => {
      const now = performance.now();
      if (now - last > 20) quietSince = now;
      last = now;
      if (now - quietSince >= 1500 || now - started > 30_000) {
        clearInterval(timer);
        resolve(Math.round(now - started));
      }
    }, 10);
  });
}

/**
 * The service's own ceiling, without network clients: updates through
 * ShadowService (merge, fsync'd journal, accepted/delta/documents published on the
 * real broker bus) for every thing in rounds paced to the 20 requests/s quota.
 */
async function serviceInProcess(things: string[], seconds: number) {
  const svc = h.shadows.service;
  let ok = 0;
  let seq = 0;
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  while (performance.now() < end) {
    const round = performance.now();
    await Promise.all(
      things.map(async (thing) => {
        const t = performance.now();
        const r = await svc.update(thing, 'pet', JSON.stringify({ state: { desired: { seq: seq++ } } }), { via: 'mqtt', connection: `bench-${thing}` });
        if (r.ok) {
          ok++;
          lat.push(performance.now() - t);
        }
      }),
    );
    const gap = 50 - (performance.now() - round);
    if (gap > 0) await new Promise((r) => setTimeout(r, gap));
  }
  lat.sort((a, b) => a - b);
  const at = (p: number) => Math.round((lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0) * 100) / 100;
  return { updatesPerSec: Math.round(ok / ((performance.now() - started) / 1000)), accepted: ok, roundLatency: { p50Ms: at(0.5), p99Ms: at(0.99) } };
}

/** At least 2 CPUs and a working taskset. */
function canPin(): boolean {
  return availableParallelism() >= 2 && spawnSync('taskset', ['-V'], { encoding: 'utf8' }).status === 0;
}

/**
 * `--pin on`: moves this process's main thread (the server's event loop; threads
 * already started keep their CPUs) to CPU 0 and tells where the load generator goes.
 */
function pinServerLoop(): { serverEventLoopCpu: number; loadGeneratorCpu: number } {
  if (availableParallelism() < 2) throw new Error('--pin on needs at least 2 CPUs');
  const r = spawnSync('taskset', ['-p', '-c', '0', String(process.pid)], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`--pin on needs taskset (util-linux): ${r.error?.message ?? r.stderr}`);
  return { serverEventLoopCpu: 0, loadGeneratorCpu: 1 };
}

const flags = parseArgs(process.argv.slice(2));
const h = await startShadowHarness({ fsync: flags['shadow-fsync'] });
const work = mkdtempSync(join(tmpdir(), 'pp-shadow-bench-'));
try {
  const t0 = Date.now();
  const devices: Array<{ thing: string; certificatePem: string; privateKeyPem: string }> = [];
  for (let i = 0; i < flags.things; i += 50) {
    const batch = Array.from({ length: Math.min(50, flags.things - i) }, (_, j) => `bench-${String(i + j).padStart(5, '0')}`);
    const made = await Promise.all(batch.map(async (thing) => ({ thing, ...(await h.provisionDirect(thing)) })));
    devices.push(...made.map((d) => ({ thing: d.thing, certificatePem: d.certificatePem, privateKeyPem: d.privateKeyPem })));
  }
  const provisionMs = Date.now() - t0;
  // Key material for the load process: a private temp dir, file mode 0600, removed after.
  const inputFile = join(work, 'devices.json');
  writeFileSync(
    inputFile,
    JSON.stringify({
      mqttUrl: h.mqttUrl,
      caPem: h.caPem,
      gatewayUrl: h.gatewayUrl,
      credentials: h.credentials,
      seconds: flags.seconds,
      httpConcurrency: flags['http-concurrency'],
      latencyRatePerThing: flags['latency-rate'],
      client: flags.client,
      phases: flags.phases,
      devices,
    }),
    { mode: 0o600 },
  );
  // The server's event-loop delay while the clients run: separates server stalls
  // from client-side and scheduling latency.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  // GC pauses per phase, to tell collector pauses from other stalls.
  let gcMax = 0;
  let gcTotal = 0;
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMax = Math.max(gcMax, e.duration);
      gcTotal += e.duration;
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  // The load generator shares this host with the server: on a small one its own GC
  // helper threads would take the server's core, so it gets the server's tuning
  // (common/gc-tuning.ts). Reported in the output.
  const loadGeneratorNodeFlags = availableParallelism() <= SMALL_HOST_MAX_CPUS ? ['--no-parallel-scavenge'] : [];
  // Server-side update → delta time (update PUBLISH routed to the shadow service →
  // delta handed to the broker), per phase: with the client-side figure it tells the
  // server's share of the latency from the network's and the load generator's. The
  // bench keeps one update in flight per thing, so the thing name is the key.
  const updateSeenAt = new Map<string, number>();
  let serverDeltaMs: number[] = [];
  /** paced phases measure from their second second (PACED_WARMUP_MS), like the load generator */
  let measureFrom = 0;
  const serverUpdateToDelta: Record<string, ReturnType<typeof latencySummary>> = {};
  h.bus.onPublish('$aws/things/+/shadow/update', (msg) => {
    const t = parseShadowTopic(msg.topic);
    if (t) updateSeenAt.set(t.thing, performance.now());
  });
  const publish = h.bus.publish.bind(h.bus);
  h.bus.publish = (topic, payload, options) => {
    const t = topic.endsWith('/shadow/update/delta') ? parseShadowTopic(topic) : undefined;
    const seen = t ? updateSeenAt.get(t.thing) : undefined;
    // -1 marks an answered update; measureFrom is never below 0
    if (t && seen !== undefined && seen >= measureFrom) {
      serverDeltaMs.push(performance.now() - seen);
      // marked answered rather than deleted: delete-then-set churn makes V8 rebuild
      // the map's table, and those copies outlive young GCs in the measured server
      updateSeenAt.set(t.thing, -1);
    }
    return publish(topic, payload, options);
  };
  const loadArgs = [...loadGeneratorNodeFlags, '--import', 'tsx', join(import.meta.dirname, 'shadow-load.ts'), inputFile];
  const pinned = flags.pin === 'on' || (flags.pin === 'auto' && canPin()) ? pinServerLoop() : undefined;
  const child = spawn(pinned ? 'taskset' : process.execPath, pinned ? ['-c', String(pinned.loadGeneratorCpu), process.execPath, ...loadArgs] : loadArgs, {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let current: string | undefined;
  const perPhase: Record<string, { p50Ms: number; p99Ms: number; maxMs: number; gcMaxMs: number; gcTotalMs: number }> = {};
  // Server CPU (all threads of this process) per phase: unlike rates, CPU per
  // operation hardly moves when other work shares the machine.
  const cpuMsPerPhase: Record<string, number> = {};
  let cpuAtPhaseStart = process.cpuUsage();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  // Optional CPU profile of one phase of the server process (the load generator runs apart).
  const inspector = flags['cpu-prof-phase'] ? new Session() : undefined;
  inspector?.connect();
  let profiling: Promise<unknown> = Promise.resolve();
  const profilePhase = (ending: string | undefined, next: string | undefined) => {
    if (!inspector) return;
    if (ending === flags['cpu-prof-phase']) {
      profiling = profiling
        .then(() => inspector.post('Profiler.stop'))
        .then((r) => {
          const file = join(flags['cpu-prof-dir'], `shadow-server-${ending}-${process.pid}.cpuprofile`);
          writeFileSync(file, JSON.stringify((r as { profile: unknown }).profile));
          process.stderr.write(`cpu profile: ${file}\n`);
        });
    }
    if (next === flags['cpu-prof-phase']) {
      profiling = profiling.then(() => inspector.post('Profiler.enable')).then(() => inspector.post('Profiler.start'));
    }
  };
  /** Ends the current phase's event-loop and GC sample and starts the next one (if any). */
  const nextPhase = (next: string | undefined) => {
    profilePhase(current, next);
    if (current) {
      perPhase[current] = {
        p50Ms: ms(loop.percentile(50)),
        p99Ms: ms(loop.percentile(99)),
        maxMs: ms(loop.max),
        gcMaxMs: Math.round(gcMax * 100) / 100,
        gcTotalMs: Math.round(gcTotal),
      };
      if (serverDeltaMs.length > 0) serverUpdateToDelta[current] = latencySummary(serverDeltaMs);
      const used = process.cpuUsage(cpuAtPhaseStart);
      cpuMsPerPhase[current] = Math.round((used.user + used.system) / 1000);
    }
    cpuAtPhaseStart = process.cpuUsage();
    loop.reset();
    serverDeltaMs = [];
    updateSeenAt.clear();
    measureFrom = performance.now() + (next !== undefined && PACED_PHASES.has(next) ? PACED_WARMUP_MS : 0);
    gcMax = 0;
    gcTotal = 0;
    current = next;
  };
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
    let nl = out.indexOf('\n');
    while (nl >= 0) {
      const line = out.slice(0, nl);
      const msg = JSON.parse(line) as { phase?: string; settle?: string };
      if (msg.phase === undefined && msg.settle === undefined) break;
      out = out.slice(nl + 1);
      if (msg.settle !== undefined) {
        // settling time is outside every phase
        nextPhase(undefined);
        void waitForQuiet().then((waited) => child.stdin.write(`${waited}\n`));
      } else nextPhase(msg.phase === 'end' ? undefined : msg.phase);
      nl = out.indexOf('\n');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  await profiling;
  inspector?.disconnect();
  loop.disable();
  gcObserver.disconnect();
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  const serverEventLoopDelay = perPhase;
  const load = JSON.parse(out.trim()) as {
    settleMs: Record<string, number | undefined>;
    broker?: { publishesPerSec: number; publishes: number };
    mqttSaturated?: { updatesPerSec: number; accepted: number };
    http?: { updatesPerSec: number; accepted: number };
    brokerPaced?: { roundTripLatency: unknown; roundTrips: number };
    mqttPaced?: { accepted: number };
  };
  /** server CPU microseconds per operation of a phase */
  const perOp = (phase: string, n: number | undefined) =>
    n === undefined ? undefined : Math.round(((cpuMsPerPhase[phase] ?? 0) * 1000) / Math.max(1, n));
  const serverCpu = {
    msPerPhase: cpuMsPerPhase,
    usPerBrokerPublish: perOp('broker', load.broker?.publishes),
    usPerMqttUpdateSaturated: perOp('mqttSaturated', load.mqttSaturated?.accepted),
    usPerBrokerRoundTripPaced: perOp('brokerPaced', load.brokerPaced?.roundTrips),
    usPerMqttUpdatePaced: perOp('mqttPaced', load.mqttPaced?.accepted),
    usPerHttpUpdate: perOp('http', load.http?.accepted),
  };
  const vsBroker = (rate: number | undefined) =>
    rate === undefined || load.broker === undefined ? undefined : Math.round((rate / Math.max(1, load.broker.publishesPerSec)) * 100) / 100;
  // a throughput ceiling: measured along with the saturated phase
  const inProcess = flags.phases.includes('mqttSaturated')
    ? await serviceInProcess(
        devices.map((d) => d.thing),
        flags.seconds,
      )
    : undefined;
  const result = {
    bench: 'shadow-throughput',
    things: flags.things,
    secondsPerPhase: flags.seconds,
    client: flags.client,
    shadowFsync: h.shadows.store.fsync,
    cores: availableParallelism(),
    loadGeneratorNodeFlags,
    pinned: pinned ?? false,
    provisionMs,
    limits: h.shadows.service.limits,
    baseline: { brokerQos1PublishesPerSec: load.broker?.publishesPerSec, brokerRoundTripPaced: load.brokerPaced?.roundTripLatency },
    ...load,
    serviceInProcess: inProcess,
    serverEventLoopDelay,
    serverUpdateToDelta,
    serverCpu,
    ratios: {
      mqttShadowVsBroker: vsBroker(load.mqttSaturated?.updatesPerSec),
      httpShadowVsBroker: vsBroker(load.http?.updatesPerSec),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
  await h.close();
}
