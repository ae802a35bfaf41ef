/**
 * Fleet benchmark: N simulated devices (default 10,000), each with its own certificate
 * and mTLS connection under the pulsepet-device policy, publishing telemetry v1 batches
 * every 30 s through the whole local pipeline (broker → rules → Lambda queue → ingest +
 * reasoning → pet shadow → the device). The stack runs alone in a child process
 * (bench/fleet-scale-stack.ts) so its RSS and CPU are its own; this process is the
 * simulator (simulators/ runFleet, the engine of `pulsepet simulate`).
 *
 *   npx tsx bench/fleet-scale.ts [--devices 10000] [--duration 5m] [--batch-interval 30s]
 *                                [--connect-rate 200] [--max-connecting 128] [--scenario mix] [--settle 60s]
 *                                [--queue-priority on|off] [--queue-max-bytes BYTES] [--broker-process on|off]
 *
 * Reports: time to connect all; stack and simulator RSS (peak, and after connecting);
 * connect, publish → PUBACK and publish → pet delta p50/p99 (the latter from a batch's
 * publish to its thing's next pet delta, as `pulsepet simulate` matches them); losses
 * (acknowledged samples missing from the store, checked once the ingest queue has
 * drained); CPU of both processes by thread group, and per batch once warm with the cores
 * that cost would take at 10,000 devices (cpuBudget, with the pet deltas per batch, and the
 * same for the window's later half: on a fresh stack every pet changes in fleet-wide waves
 * while the devices' 30-minute windows fill); the Lambda queue's peak depth and
 * how often the other functions yielded to ingest. Goals: all connected, stack RSS < 1 GiB, publish → pet delta p99
 * < 2 s, losses 0. Prints one JSON object. Not a test: nothing is asserted.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { z } from 'zod';
import { parseDuration } from '../cli/fleet';
import { TIMESTREAM } from '../protocol/resources';
import { DEFAULT_MAX_CONNECTING, type ProgressTick, runFleet, type SimDeviceSpec, scenarioFor, SCENARIO_CHOICES, timestreamStoreCheck } from '../simulators/index';
import { benchFlags, round } from './broker-support';
import { DEVICE_SIMULATOR_COMPARISON } from './fleet-scale-comparison';
import { breakdownInMiB, type RssBreakdown } from './rss-breakdown';
import { ingestDrained, metrics, queueDepth, versionIndexFigures } from './stack-metrics';

const dur = (d: string) => z.string().default(d).transform((s) => parseDuration(s) ?? Number.NaN).pipe(z.number().min(1_000));
const flags = benchFlags(
  {
    devices: { type: 'string' },
    duration: { type: 'string' },
    'batch-interval': { type: 'string' },
    'connect-rate': { type: 'string' },
    'max-connecting': { type: 'string' },
    scenario: { type: 'string' },
    settle: { type: 'string' },
    'queue-priority': { type: 'string' },
    'queue-max-bytes': { type: 'string' },
    'broker-process': { type: 'string' },
  },
  z.object({
    devices: z.coerce.number().int().min(1).max(50_000).default(10_000),
    duration: dur('5m'),
    'batch-interval': dur('30s'),
    'connect-rate': z.coerce.number().min(1).max(10_000).default(200),
    'max-connecting': z.coerce.number().int().min(1).max(10_000).default(DEFAULT_MAX_CONNECTING),
    scenario: z.enum(SCENARIO_CHOICES).default('mix'),
    settle: dur('60s'),
    'queue-priority': z.enum(['on', 'off']).default('on'), // off: every function at full concurrency in the Lambda queue, as before ingest came first
    'queue-max-bytes': z.coerce.number().int().min(1).optional(), // the Lambda queue's bound on disk (pulsepet up --lambda-queue-max-bytes)
    'broker-process': z.enum(['on', 'off']).default('off'), // on: the broker in a process of its own (pulsepet up --broker-process)
  }),
);

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'pp-bench-fleet-'));
const child: ChildProcess = fork(join(import.meta.dirname, 'fleet-scale-stack.ts'), [dir, String(flags.devices)], {
  execArgv: ['--import', 'tsx', '--expose-gc', ...(process.env.PULSEPET_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PULSEPET_CPU_PROF}`] : [])],
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  env: { ...process.env, PULSEPET_BENCH_QUEUE_PRIORITY: flags['queue-priority'], PULSEPET_BENCH_QUEUE_MAX_BYTES: String(flags['queue-max-bytes'] ?? ''), PULSEPET_BENCH_BROKER_PROCESS: flags['broker-process'] },
});
let stopping = false;
child.once('exit', (code, signal) => {
  if (stopping) return;
  process.stderr.write(`fleet-scale: the stack process ended (${signal ?? `exit ${code}`}) during the run\n`);
  process.exit(1);
});

interface Ready {
  kind: 'ready';
  provisionS: number;
  mqttEndpoint: string;
  httpEndpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  caFile: string;
}
type Identity = Pick<SimDeviceSpec, 'thing' | 'certificatePem' | 'privateKeyPem'>;

/** The devices the child provisioned, then its endpoints. */
function provisioned(): Promise<{ ready: Ready; ids: Identity[] }> {
  const ids: Identity[] = [];
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`stack process exited ${code}`)));
    child.on('message', (m: { kind: string; devices?: Identity[] }) => {
      if (m.kind === 'devices') ids.push(...(m.devices ?? []));
      if (m.kind === 'ready') resolve({ ready: m as Ready, ids });
    });
  });
}

interface StackMem {
  rss: number;
  /** the broker process's RSS, V8 heap and messages awaiting the stack (--broker-process on; its CPU is in cpuMicros and threads.brokerProcess) */
  brokerRss: number | null; brokerHeapUsed: number | null; brokerAwaitingStack: number | null;
  /** V8 heap in use, and memory outside it (OpenSSL, DuckDB, buffers) as V8 accounts it */
  heapUsed: number; external: number; arrayBuffers: number;
  /** Lambda execution environments (worker threads) per function */
  environments: Record<string, number>;
  cpuMicros: number;
  /** CPU µs by thread group (fleet-scale-stack.ts cpuByThread) */
  threads: Record<string, number>;
  /** the stack's main-thread event-loop delay since the last 'loop-reset' */
  loop: { p50Ms: number; p99Ms: number; maxMs: number };
  /** the Lambda queue: depth and refusals (since start) per function, and its logs' fsyncs since start */
  queue: { maxBytes: number; depth: Record<string, number>; throttled: Record<string, number>; fsync: { syncs: number; totalMs: number; maxMs: number }; yieldSpells: number };
  /** the Timestream store's group commits and queries since start (TelemetryStore.stats) */
  store: { commits: number; writes: number; records: number; commitMs: number; queries: number; queryMs: number; queryMaxMs: number; queriesPruned: number };
  breakdown?: RssBreakdown; // where the RSS is (bench/rss-breakdown.ts), for 'mem-gc' and 'mem-breakdown' only
}

function stackMem(ask: 'mem' | 'mem-gc' | 'mem-breakdown' = 'mem'): Promise<StackMem> {
  return new Promise((resolve) => {
    const on = (m: StackMem & { kind: string; ask: string }) => {
      if (m.kind !== 'mem' || m.ask !== ask) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send(ask);
  });
}

interface Refusals {
  /** rule actions that failed, and letters the dead-letter queue took, per rule */
  byRule: Record<string, { failed: number; deadLettered: number }>;
  /** distinct telemetry batches held by the ingest rule's dead letters (replayable: pulsepet dead-letters replay) */
  ingestBatchesDeadLettered: number;
  /** of the lost batches the summary lists (at most 20), how many are among them */
  sampled: { lost: number; deadLettered: number };
}

/** The stack's refused rule actions, and whether the lost batches the summary lists are among ingest's dead letters. */
function stackRefusals(lost: ReadonlyArray<{ thing: string; batchId: string }>): Promise<Refusals> {
  return new Promise((resolve) => {
    const on = (m: Refusals & { kind: string }) => {
      if (m.kind !== 'refusals') return;
      child.off('message', on);
      resolve({ byRule: m.byRule, ingestBatchesDeadLettered: m.ingestBatchesDeadLettered, sampled: m.sampled });
    };
    child.on('message', on);
    child.send({ kind: 'refusals', lost: lost.map((b) => ({ thing: b.thing, batchId: b.batchId })) });
  });
}

const { ready, ids } = await provisioned();
const url = new URL(ready.mqttEndpoint);
const devices: SimDeviceSpec[] = ids.map((d, i) => ({ ...d, scenario: scenarioFor(flags.scenario, i), bodyPersona: ['athlete', 'young', 'office', 'older', 'low-hrv'][i % 5] ?? 'office' }));
const mem0 = await stackMem('mem-gc');
const cpu0 = process.cpuUsage();
const peak = { stackRss: mem0.rss, brokerRss: mem0.brokerRss ?? 0, simRss: process.memoryUsage().rss, queueDepth: 0, environments: {} as Record<string, number>, depthByFunction: {} as Record<string, number> };
let afterConnect: { brokerRssMiB: number | null; stackRssMiB: number; simRssMiB: number; atS: number; stackBreakdown?: Record<string, number> } | undefined;
interface CpuMark {
  stackMicros: number;
  simMicros: number;
  wallS: number;
  threads: Record<string, number>;
  pubAcked: number;
  /** pet deltas the devices had received */
  petDeltas: number;
}
let connectCpu: CpuMark | undefined;
/** one batch interval after every device connected: each device's first batch (the cold path) is behind */
let warmCpu: CpuMark | undefined;
/** a mark a second once warm, for the run's later half (cpuBudget) */
const warmMarks: CpuMark[] = [];
let petDeltasSeen = 0;
const t0 = performance.now();
/** The stack's and the simulator's CPU so far, with the tick's counts. */
function cpuMark(m: StackMem, pubAcked: number, petDeltas: number): CpuMark {
  const c = process.cpuUsage(cpu0);
  return { stackMicros: m.cpuMicros - mem0.cpuMicros, simMicros: c.user + c.system, wallS: (performance.now() - t0) / 1000, threads: m.threads, pubAcked, petDeltas };
}
const onTick = (t: ProgressTick) => {
  petDeltasSeen += t.petDeltasPerS;
  const petDeltas = petDeltasSeen;
  void (async () => {
    const allConnectedNow = afterConnect === undefined && t.connected === flags.devices;
    const m = await stackMem(allConnectedNow ? 'mem-breakdown' : 'mem');
    const simRss = process.memoryUsage().rss;
    peak.stackRss = Math.max(peak.stackRss, m.rss);
    peak.brokerRss = Math.max(peak.brokerRss, m.brokerRss ?? 0);
    peak.simRss = Math.max(peak.simRss, simRss);
    for (const [k, n] of Object.entries(m.environments)) peak.environments[k] = Math.max(peak.environments[k] ?? 0, n);
    for (const [k, n] of Object.entries(m.queue.depth)) peak.depthByFunction[k] = Math.max(peak.depthByFunction[k] ?? 0, n);
    const depth = await queueDepth(ready.httpEndpoint).catch(() => 0);
    peak.queueDepth = Math.max(peak.queueDepth, depth);
    if (allConnectedNow) {
      afterConnect = { brokerRssMiB: m.brokerRss === null ? null : round(m.brokerRss / MiB), stackRssMiB: round(m.rss / MiB), simRssMiB: round(simRss / MiB), atS: t.elapsedS, stackBreakdown: breakdownInMiB(m.breakdown) };
      connectCpu = cpuMark(m, t.pubAcked, petDeltas);
      child.send('loop-reset');
    } else if (connectCpu !== undefined && (warmCpu !== undefined || (performance.now() - t0) / 1000 >= connectCpu.wallS + flags['batch-interval'] / 1000)) {
      const mark = cpuMark(m, t.pubAcked, petDeltas);
      warmCpu ??= mark;
      if (atRunEnd === undefined) warmMarks.push(mark);
    }
    if (t.elapsedS % 10 === 0) process.stderr.write(`[${t.elapsedS}s] connected ${t.connected}/${t.devices} fail ${t.connectFailures} pub_ack ${t.pubAckedPerS}/s pet_delta ${t.petDeltasPerS}/s in_flight ${t.inFlight} queue ${depth} loop p99 ${round(m.loop.p99Ms)} ms max ${round(m.loop.maxMs)} ms stack ${round(m.rss / MiB)} MiB${m.brokerRss === null ? '' : ` broker ${round(m.brokerRss / MiB)} MiB (heap ${round((m.brokerHeapUsed ?? 0) / MiB)} MiB, awaiting ${m.brokerAwaitingStack})`} sim ${round(simRss / MiB)} MiB\n`);
  })();
};

const query = new TimestreamQueryClient({ endpoint: ready.httpEndpoint, region: ready.region, credentials: ready.credentials });
const check = timestreamStoreCheck(query, { database: TIMESTREAM.database, table: TIMESTREAM.telemetryTable, settleMs: flags.settle });
let drainS = 0;
/** the stack and simulator when the devices stopped: CPU, store and loop figures end here, before the loss check's own queries */
let atRunEnd: { mem: StackMem; simCpu: NodeJS.CpuUsage; wallS: number } | undefined;
const summary = await runFleet({
  devices,
  host: url.hostname,
  port: Number(url.port),
  caPem: readFileSync(ready.caFile, 'utf8'),
  batchIntervalMs: flags['batch-interval'],
  durationMs: flags.duration,
  connectRate: flags['connect-rate'],
  maxConnecting: flags['max-connecting'],
  onTick,
  // a backlog is drained before the store is judged: a late sample is slow, not lost
  storeCheck: async (acked) => {
    atRunEnd = { mem: await stackMem(), simCpu: process.cpuUsage(cpu0), wallS: (performance.now() - t0) / 1000 };
    drainS = await ingestDrained(ready.httpEndpoint);
    return check(acked);
  },
});
const [failedInvocations = 0, throttled = 0] = await metrics(ready.httpEndpoint, ['pulsepet_lambda_async_queue_failed_total', 'pulsepet_lambda_async_queue_throttled_total']);
const versionIndex = await versionIndexFigures(ready.httpEndpoint);
const memAfterCheck = await stackMem();
const refusals = await stackRefusals(summary.losses);
const memEndGc = await stackMem('mem-gc');
const memEnd = atRunEnd?.mem ?? memAfterCheck;
const cpuAll = atRunEnd?.simCpu ?? process.cpuUsage(cpu0);
const wallS = atRunEnd?.wallS ?? (performance.now() - t0) / 1000;
query.destroy();
const pct = (micros: number, s: number) => round((micros / 1e6 / s) * 100, 1);
const steadyS = wallS - (connectCpu?.wallS ?? 0);
/** Where the stack's CPU went after every device was connected, in % of one core, and per acknowledged batch. */
function steadyProfile(): Record<string, { percentOfOneCore: number; msPerBatch: number }> | null {
  if (connectCpu === undefined) return null;
  const out: Record<string, { percentOfOneCore: number; msPerBatch: number }> = {};
  const batches = Math.max(1, summary.latencyMs.publishToPuback.n - connectCpu.pubAcked);
  for (const [k, v] of Object.entries(memEnd.threads)) {
    const micros = v - (connectCpu.threads[k] ?? 0);
    out[k] = { percentOfOneCore: pct(micros, steadyS), msPerBatch: round(micros / 1000 / batches, 2) };
  }
  return out;
}
const GOAL_DEVICES = 10_000;
/** The stack's CPU (all threads, main thread) and pet deltas per batch acknowledged after `from`, to the run's end. */
function costSince(from: CpuMark): { fromS: number; batches: number; stack: number; main: number; petDeltas: number } | undefined {
  const batches = summary.latencyMs.publishToPuback.n - from.pubAcked;
  if (batches <= 0) return undefined;
  return {
    fromS: from.wallS,
    batches,
    stack: (memEnd.cpuMicros - mem0.cpuMicros - from.stackMicros) / 1000 / batches,
    main: ((memEnd.threads.main ?? 0) - (from.threads.main ?? 0)) / 1000 / batches,
    petDeltas: (summary.petDeltas - from.petDeltas) / batches,
  };
}
/**
 * CPU per acknowledged batch once warm (from one batch interval after every device
 * connected to the run's end: no handshakes, no first-batch cold path), and what that
 * cost means at the goal's fleet: the cores the stack and the simulator would need
 * together at 10,000 devices' batch rate, and how busy the stack's main thread (one
 * core at most) would be. A projection from this run's own figures, linear in the
 * batch rate; nothing here is measured at 10,000.
 */
function cpuBudget() {
  if (warmCpu === undefined) return null;
  const warm = costSince(warmCpu);
  if (warm === undefined) return null;
  const { batches, stack, main } = warm;
  const ms = (micros: number) => micros / 1000 / batches;
  // the later half of the window: pet changes come in fleet-wide waves while every device's window fills
  const midS = (warmCpu.wallS + wallS) / 2;
  const mid = warmMarks.find((x) => x.wallS >= midS);
  const late = mid === undefined ? undefined : costSince(mid);
  const laterHalf =
    late === undefined
      ? null
      : { window: { fromS: round(late.fromS, 1), toS: round(wallS, 1), batches: late.batches }, msPerBatch: { stack: round(late.stack, 2), main: round(late.main, 2) }, petDeltasPerBatch: round(late.petDeltas, 3) };
  const simulator = ms(cpuAll.user + cpuAll.system - warmCpu.simMicros);
  const byThread = Object.fromEntries(Object.entries(memEnd.threads).map(([k, v]) => [k, round(ms(v - (warmCpu?.threads[k] ?? 0)), 2)]));
  const batchesPerS = GOAL_DEVICES / (flags['batch-interval'] / 1000);
  return {
    // the projection holds only for a run that kept up: a queue that refused events, or a
    // backlog left at the end, means part of the work was never done (and its CPU is missing)
    keptUp: throttled === 0 && drainS < flags['batch-interval'] / 1000,
    window: { fromS: round(warmCpu.wallS, 1), toS: round(wallS, 1), batches },
    msPerBatch: { stack: round(stack, 2), simulator: round(simulator, 2), stackByThread: byThread },
    petDeltasPerBatch: round(warm.petDeltas, 3),
    laterHalf,
    atGoal: {
      devices: GOAL_DEVICES,
      batchesPerS: round(batchesPerS, 1),
      coresNeeded: round(((stack + simulator) * batchesPerS) / 1000, 2),
      cores: os.cpus().length,
      mainThreadCoresNeeded: round((main * batchesPerS) / 1000, 2),
    },
  };
}
// the goal is judged at load, after each device's first batch (the cold path, reported in publishToPetDelta)
const p99 = summary.latencyMs.publishToPetDeltaAfterFirst.p99;

process.stdout.write(
  `${JSON.stringify({
    bench: 'fleet-scale',
    devices: flags.devices,
    durationS: flags.duration / 1000,
    batchIntervalS: flags['batch-interval'] / 1000,
    connectRate: flags['connect-rate'],
    brokerProcess: flags['broker-process'] === 'on',
    maxConnecting: flags['max-connecting'],
    provisionS: ready.provisionS,
    connect: { allConnectedAfterS: summary.connect.allConnectedAfterS, peakConnected: summary.connect.peakConnected, failures: summary.connect.failuresByReason, reconnects: summary.connect.reconnects },
    rssMiB: {
      stackPeak: round(peak.stackRss / MiB),
      brokerProcessPeak: flags['broker-process'] === 'on' ? round(peak.brokerRss / MiB) : null,
      stackEnd: round(memAfterCheck.rss / MiB),
      stackBeforeRunAfterGc: round(mem0.rss / MiB),
      stackEndAfterGc: round(memEndGc.rss / MiB),
      stackEndAfterGcBreakdown: { mainHeapUsed: round(memEndGc.heapUsed / MiB), external: round(memEndGc.external / MiB), arrayBuffers: round(memEndGc.arrayBuffers / MiB), ...breakdownInMiB(memEndGc.breakdown) },
      lambdaEnvironmentsPeak: peak.environments,
      simulatorPeak: round(peak.simRss / MiB),
      afterConnect,
    },
    latencyMs: summary.latencyMs,
    batches: summary.batches,
    samples: summary.samples,
    losses: summary.losses,
    petDeltas: summary.petDeltas,
    store: summary.store,
    // the store's version index: entries at the end, trims past its bound, reads back from disk (a write older than its series kept)
    storeVersionIndex: versionIndex,
    // refused rule actions; a lost batch among ingest's dead letters was refused (Lambda queue full) and reported, not silently dropped
    refusedRuleActions: {
      ...refusals,
      lostNotDeadLetteredAtLeast: Math.max(0, (summary.batches.lost ?? 0) - refusals.ingestBatchesDeadLettered),
    },
    lambdaQueue: {
      maxBytes: memEnd.queue.maxBytes,
      peakDepth: peak.queueDepth,
      peakDepthByFunction: peak.depthByFunction,
      ingestDrainedAfterRunS: drainS,
      failedInvocations,
      throttled,
      throttledByFunction: memAfterCheck.queue.throttled,
      // times the other functions started yielding to ingest (its backlog deep), or null with --queue-priority off
      ingestFirst: flags['queue-priority'] === 'on' ? { yieldSpells: memAfterCheck.queue.yieldSpells } : null,
      fsync: { syncs: memAfterCheck.queue.fsync.syncs, meanMs: round(memAfterCheck.queue.fsync.totalMs / Math.max(1, memAfterCheck.queue.fsync.syncs), 2), maxMs: round(memAfterCheck.queue.fsync.maxMs) },
    },
    // the Timestream store until the devices stopped: WriteRecords calls per group commit, and Query calls (one DuckDB read connection runs them in turn)
    timestreamStore: {
      commits: memEnd.store.commits,
      writesPerCommit: round(memEnd.store.writes / Math.max(1, memEnd.store.commits), 2),
      commitMeanMs: round(memEnd.store.commitMs / Math.max(1, memEnd.store.commits), 2),
      queries: memEnd.store.queries,
      // answered without a scan: no stored row could match (local/timestream/dimension-ranges.ts)
      queriesPruned: memEnd.store.queriesPruned,
      queryMeanMs: round(memEnd.store.queryMs / Math.max(1, memEnd.store.queries), 1),
      queryMaxMs: round(memEnd.store.queryMaxMs),
      queryBusyS: round(memEnd.store.queryMs / 1000, 1),
    },
    // how long ready work waited on the stack's main thread after every device had connected
    stackEventLoopDelayMs: { p50: round(memEnd.loop.p50Ms, 1), p99: round(memEnd.loop.p99Ms, 1), max: round(memEnd.loop.maxMs, 1) },
    cpuPercentOfOneCore: {
      connectPhase: connectCpu ? { stack: pct(connectCpu.stackMicros, connectCpu.wallS), simulator: pct(connectCpu.simMicros, connectCpu.wallS), wallS: round(connectCpu.wallS, 1) } : null,
      steadyPhase: connectCpu ? { stack: pct(memEnd.cpuMicros - mem0.cpuMicros - connectCpu.stackMicros, steadyS), simulator: pct(cpuAll.user + cpuAll.system - connectCpu.simMicros, steadyS), wallS: round(steadyS, 1) } : null,
      stackSteadyByThread: steadyProfile(),
    },
    cpuBudget: cpuBudget(),
    goals: {
      allConnected: summary.connect.allConnectedAfterS !== null,
      stackRssUnder1GiB: peak.stackRss < 1024 * MiB,
      brokerRssUnder1GiB: flags['broker-process'] === 'on' ? peak.brokerRss < 1024 * MiB : peak.stackRss < 1024 * MiB,
      publishToPetDeltaP99Under2s: p99 !== null && p99 < 2000,
      noLosses: summary.batches.lost === 0,
    },
    comparison: DEVICE_SIMULATOR_COMPARISON,
    loadAverage: os.loadavg().map((x) => round(x)),
    cpus: os.cpus().length,
  })}\n`,
);
stopping = true;
child.send('stop');
await new Promise((r) => child.once('exit', r));
// keep the stack's data dir (dead letters: pulsepet dead-letters list --data-dir DIR/stack) and log when something was lost
if ((summary.batches.lost ?? 0) > 0 || process.env.PULSEPET_BENCH_KEEP) process.stderr.write(`kept ${dir} (stack.log, stack/)\n`);
else rmSync(dir, { recursive: true, force: true });
