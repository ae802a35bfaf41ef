/**
 * Ingest benchmark: N devices publish paced telemetry v1 batches over mTLS to the local
 * stack; the `ingest_telemetry` rule invokes the ingest function, which writes through
 * client-timestream-write; the bench polls client-timestream-query until every sample
 * is queryable. Reports queryable samples/s and publish → queryable latency p50/p99, and
 * the broker-only rate of the same fleet in the same run (a topic no rule matches,
 * observed on the broker bus), so rules + function + store overhead reads as a ratio.
 * Then, still in the same run: the Lambda queue's cost (the same phases against a fresh
 * stack whose queue keeps events in memory only, the pre-issue-19 baseline), and the
 * stack's peak RSS at twice the sustainable load (`--overload-seconds`), with how the
 * acknowledged samples ended (queryable after the drain, or refused via errorAction).
 *
 *   npx tsx bench/ingest-throughput.ts [--devices 40] [--rate 10] [--samples 300] [--seconds 6] [--paced-fraction 0.5] [--overload-seconds 8]
 *
 * Batch k of a device counts as queryable at the first poll whose per-thing count covers
 * batches 0..k (poll interval in the output). `stackCpuMicrosPerSample` is the stack
 * process's CPU per sample in each phase (the fleet runs in a child process), which stays
 * comparable on a shared machine, split into the event loop, the Lambda functions' execution
 * environments (worker threads) and other threads (DuckDB, libuv, GC); `cpuRatio` = broker-only / end-to-end CPU per sample.
 * Prints one JSON object. Not a test.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { z } from 'zod';
import { startPulsepetStack } from '../cli/pulsepet-stack';
import { DEFAULT_QUEUE_LIMITS, type LocalStack } from '../local/index';
import { awsClientConfig, provisionTestDevice, type TestDevice } from '../test/support/local/stack';
import { benchFlags, round } from './broker-support';

const flags = benchFlags(
  {
    devices: { type: 'string' },
    rate: { type: 'string' },
    samples: { type: 'string' },
    seconds: { type: 'string' },
    poll: { type: 'string' },
    'paced-fraction': { type: 'string' },
    'overload-seconds': { type: 'string' },
    'overload-factor': { type: 'string' },
  },
  z.object({
    devices: z.coerce.number().int().min(1).max(200).default(40),
    /**
     * batches per second per device. IoT Core allows 100 publishes/s per connection and
     * the broker drops the excess; a saturated stack delays reads, so publishes arrive in
     * bursts: keep the rate well below 100.
     */
    rate: z.coerce.number().positive().max(95).default(10),
    /** the agent's batches hold 120–600 samples (1 Hz, 2–10 min) */
    samples: z.coerce.number().int().min(1).max(600).default(300),
    seconds: z.coerce.number().positive().max(60).default(6),
    /** the paced phase's offered load, as a fraction of the saturated phase's throughput */
    'paced-fraction': z.coerce.number().positive().max(1).default(0.5),
    poll: z.coerce.number().int().min(10).max(1000).default(50),
    /** how long the 2× overload phase publishes */
    'overload-seconds': z.coerce.number().positive().max(120).default(8),
    /** the overload phase's offered load, as a multiple of the sustainable (saturated, durable) throughput */
    'overload-factor': z.coerce.number().min(1).max(20).default(2),
  }),
);
const batchesPerDevice = Math.max(1, Math.round(flags.rate * flags.seconds));

const dirs: string[] = [];
let stack: LocalStack;
let query: TimestreamQueryClient;

const child = fork(join(import.meta.dirname, 'ingest-publishers.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
function request<T>(msg: object, expect: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (m: { kind: string; message?: string }) => {
      if (m.kind === expect) {
        child.off('message', on);
        resolve(m as T);
      } else if (m.kind === 'error') {
        child.off('message', on);
        reject(new Error(m.message));
      }
    };
    child.on('message', on);
    child.send(msg);
  });
}

/** A fresh stack (durable Lambda queue or the in-memory baseline), its devices provisioned and the fleet connected. */
async function useStack(durable: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-bench-ingest-'));
  dirs.push(dir);
  stack = await startPulsepetStack({ dataDir: dir, lambdaQueue: { durable } });
  const devices: TestDevice[] = [];
  for (let i = 0; i < flags.devices; i++) devices.push(await provisionTestDevice(stack, `bench-ingest-${i}`));
  query = new TimestreamQueryClient(awsClientConfig(stack));
  await request(
    {
      kind: 'init',
      mqttEndpoint: stack.mqttEndpoint,
      caPem: readFileSync(stack.caFile, 'utf8'),
      devices: devices.map((d) => ({ thing: d.thingName, certificatePem: d.certificatePem, privateKeyPem: d.privateKeyPem })),
    },
    'ready',
  );
}

async function closeStack(): Promise<void> {
  query.destroy();
  await stack.close();
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
};
type Sent = { sent: Record<string, number[]> };
const total = flags.devices * batchesPerDevice * flags.samples;

/** Broker only: deliveries observed on the bus for a topic no rule matches. */
async function brokerOnly(baseT: number) {
  const cpu0 = cpuMark();
  const delivered = new Map<string, number[]>();
  const off = stack.bus.onPublish('dt/pulsepet/+/bench', (m) => {
    const thing = m.topic.split('/')[2] ?? '';
    const list = delivered.get(thing) ?? [];
    list.push(Date.now());
    delivered.set(thing, list);
  });
  const { sent } = await request<Sent>(
    { kind: 'run', topicLeaf: 'bench', batchesPerDevice, samplesPerBatch: flags.samples, ratePerDevice: flags.rate, baseT, seqBase: 0 },
    'done',
  );
  const deadline = Date.now() + 30_000;
  while ([...delivered.values()].reduce((n, l) => n + l.length, 0) < flags.devices * batchesPerDevice && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  off();
  return { ...summarize(sent, delivered), ...cpuPerSample(cpu0, total) };
}

/**
 * End to end: polls Query until each thing's count covers all its batches. `rate` is
 * batches/s per device; each phase writes its own hour of sample times from `baseT`.
 */
async function endToEnd(baseT: number, rate: number, seqBase: number) {
  const batches = Math.max(1, Math.round(rate * flags.seconds));
  const total = flags.devices * batches * flags.samples;
  const cpu0 = cpuMark();
  const stats0 = { ...stack.timestream.store.stats };
  const queryable = new Map<string, number[]>();
  const counts = new Map<string, number>();
  const run = request<Sent>(
    { kind: 'run', topicLeaf: 'telemetry', batchesPerDevice: batches, samplesPerBatch: flags.samples, ratePerDevice: rate, baseT, seqBase },
    'done',
  );
  let sent: Sent | undefined;
  void run.then((s) => {
    sent = s;
  });
  let polls = 0;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const q = await query
      .send(
        new QueryCommand({
          QueryString: `SELECT thing, count(*) FROM "pulsepet"."telemetry" WHERE time >= from_milliseconds(${baseT}) AND time < from_milliseconds(${baseT + 3_600_000}) GROUP BY thing`,
        }),
      )
      .catch(() => undefined); // no `thing` column before the first write
    polls++;
    const now = Date.now();
    for (const r of q?.Rows ?? []) {
      const thing = r.Data?.[0]?.ScalarValue ?? '';
      const n = Number(r.Data?.[1]?.ScalarValue ?? 0);
      counts.set(thing, n);
      const list = queryable.get(thing) ?? [];
      while (list.length < Math.floor(n / flags.samples)) list.push(now);
      queryable.set(thing, list);
    }
    if ([...counts.values()].reduce((a, b) => a + b, 0) >= total && sent) break;
    await new Promise((r) => setTimeout(r, flags.poll));
  }
  return {
    offeredSamplesPerSec: round(flags.devices * rate * flags.samples),
    ...summarize((await run).sent, queryable),
    ...cpuPerSample(cpu0, total),
    polls,
    stored: [...counts.values()].reduce((a, b) => a + b, 0),
    storeCommits: commitStats(stats0),
  };
}

/** The store's group commits during the phase: how many, how large, how long. */
function commitStats(since: typeof stack.timestream.store.stats) {
  const s = stack.timestream.store.stats;
  const commits = s.commits - since.commits;
  return {
    commits,
    recordsPerCommit: round((s.records - since.records) / Math.max(1, commits)),
    writesPerCommit: round((s.writes - since.writes) / Math.max(1, commits), 1),
    msPerCommit: round((s.commitMs - since.commitMs) / Math.max(1, commits), 1),
  };
}

/**
 * CPU of the stack's process per sample: comparable even when the machine is shared.
 * On Linux also split into the event-loop thread and every other thread (DuckDB's,
 * libuv's pool, V8's GC helpers), from /proc/self/task/<tid>/stat (utime + stime, in ticks).
 */
function cpuPerSample(since: { usage: NodeJS.CpuUsage; threads: ThreadCpu | undefined }, total: number): {
  stackCpuMicrosPerSample: number;
  eventLoopThreadCpuMicrosPerSample?: number;
  functionThreadsCpuMicrosPerSample?: number;
  otherThreadsCpuMicrosPerSample?: number;
} {
  const u = process.cpuUsage(since.usage);
  const t = threadCpu();
  const out = { stackCpuMicrosPerSample: round((u.user + u.system) / total, 2) };
  if (!t || !since.threads) return out;
  return {
    ...out,
    eventLoopThreadCpuMicrosPerSample: round((t.main - since.threads.main) / total, 2),
    functionThreadsCpuMicrosPerSample: round((t.functions - since.threads.functions) / total, 2),
    otherThreadsCpuMicrosPerSample: round((t.other - since.threads.other) / total, 2),
  };
}

type ThreadCpu = { main: number; functions: number; other: number };
const TICK_MICROS = 10_000; // USER_HZ is 100 on Linux
function threadCpu(): ThreadCpu | undefined {
  try {
    const out = { main: 0, functions: 0, other: 0 };
    const fnThreads = new Set([...stack.lambda.functions.values()].flatMap((f) => f.osThreadIds));
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const micros = (Number(f[11]) + Number(f[12])) * TICK_MICROS; // fields 14, 15: utime, stime
      if (Number(tid) === process.pid) out.main += micros;
      else if (fnThreads.has(Number(tid))) out.functions += micros;
      else out.other += micros;
    }
    return out;
  } catch {
    return undefined; // not Linux
  }
}
const cpuMark = () => ({ usage: process.cpuUsage(), threads: threadCpu() });

function summarize(sent: Record<string, number[]>, seen: Map<string, number[]>) {
  const lat: number[] = [];
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  let samples = 0;
  for (const [thing, times] of Object.entries(sent)) {
    const got = seen.get(thing) ?? [];
    times.forEach((t, k) => {
      first = Math.min(first, t);
      const at = got[k];
      if (at === undefined) return;
      lat.push(at - t);
      last = Math.max(last, at);
      samples += flags.samples;
    });
  }
  return {
    samples,
    samplesPerSec: round(samples / ((last - first) / 1000)),
    latencyMs: { p50: pct(lat, 50), p99: pct(lat, 99), max: pct(lat, 100) },
  };
}

/** Saturated and paced end-to-end phases on the current stack, each on its own hour of sample times. */
async function endToEndPhases(hour: number) {
  const base = Date.now() - hour * 3_600_000;
  const saturated = await endToEnd(base, flags.rate, hour * 1_000_000);
  // Latency is only meaningful below saturation: the same fleet again, paced at a fraction
  // of the throughput just measured.
  const pacedRate = Math.min(flags.rate, (flags['paced-fraction'] * saturated.samplesPerSec) / (flags.devices * flags.samples));
  const paced = await endToEnd(base - 3_600_000, pacedRate, hour * 1_000_000 + 500_000);
  return { saturated, paced };
}

/**
 * Twice the sustainable load for `--overload-seconds`: the stack's peak RSS (sampled
 * every 50 ms) and the Lambda queue's peak depth and bytes, then how the acknowledged
 * samples ended (queryable after the backlog drained, or refused through the errorAction).
 */
async function overload(sustainableSamplesPerSec: number, hour: number) {
  const rate = Math.min(95, (flags['overload-factor'] * sustainableSamplesPerSec) / (flags.devices * flags.samples));
  const batches = Math.max(1, Math.round(rate * flags['overload-seconds']));
  const base = Date.now() - hour * 3_600_000;
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  const mem0 = process.memoryUsage();
  let heapPeak = mem0.heapUsed;
  let externalPeak = mem0.external;
  let depthPeak = 0;
  let diskPeak = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
    externalPeak = Math.max(externalPeak, m.external);
    const q = stack.lambda.queueStats();
    depthPeak = Math.max(depthPeak, q.depth);
    diskPeak = Math.max(diskPeak, q.diskBytes);
  }, 50);
  const ingestThrottled = () => stack.lambda.queueStats().byFunction['pulsepet-ingest']?.throttled ?? 0;
  const throttled0 = ingestThrottled();
  const started = Date.now();
  await request<Sent>(
    { kind: 'run', topicLeaf: 'telemetry', batchesPerDevice: batches, samplesPerBatch: flags.samples, ratePerDevice: rate, baseT: base, seqBase: hour * 1_000_000 },
    'done',
  );
  const publishSeconds = (Date.now() - started) / 1000;
  let giveUp: NodeJS.Timeout | undefined;
  await Promise.race([stack.lambda.idle(), new Promise((r) => (giveUp = setTimeout(r, 180_000)))]);
  clearTimeout(giveUp);
  const drainedAfterSeconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  const q = await query.send(
    new QueryCommand({ QueryString: `SELECT count(*) FROM "pulsepet"."telemetry" WHERE time >= from_milliseconds(${base}) AND time < from_milliseconds(${base + 3_600_000})` }),
  );
  const throttledBatches = ingestThrottled() - throttled0;
  return {
    factor: flags['overload-factor'],
    offeredSamplesPerSec: round(flags.devices * rate * flags.samples),
    publishSeconds: round(publishSeconds),
    acknowledgedSamples: flags.devices * batches * flags.samples,
    queryableSamples: Number(q.Rows?.[0]?.Data?.[0]?.ScalarValue ?? 0),
    refusedSamples: throttledBatches * flags.samples,
    drainedAfterSeconds: round(drainedAfterSeconds),
    rssMb: { before: round(rssBefore / 2 ** 20), peak: round(rssPeak / 2 ** 20) },
    // where the growth is: the event loop's JS heap and external (Buffers), the rest is native (DuckDB) and the functions' worker isolates
    heapUsedMb: { before: round(mem0.heapUsed / 2 ** 20), peak: round(heapPeak / 2 ** 20) },
    externalMb: { before: round(mem0.external / 2 ** 20), peak: round(externalPeak / 2 ** 20) },
    lambdaQueue: { peakDepth: depthPeak, peakDiskMb: round(diskPeak / 2 ** 20), memoryWindowMb: round(DEFAULT_QUEUE_LIMITS.memoryBytes / 2 ** 20) },
  };
}

const phaseSeconds: Record<string, number> = {};
async function timed<T>(name: string, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const out = await f();
  phaseSeconds[name] = round((Date.now() - t0) / 1000);
  return out;
}
await timed('startDurable', () => useStack(true));
const now = Date.now();
const broker = await timed('brokerOnly', () => brokerOnly(now - 3_600_000));
const durable = await timed('durable', () => endToEndPhases(2));
const over = await timed('overload', () => overload(durable.saturated.samplesPerSec, 5));
await timed('closeDurable', closeStack);
await timed('startMemory', () => useStack(false));
const memory = await timed('memory', () => endToEndPhases(2));
await timed('closeMemory', closeStack);
const e2e = durable.saturated;
process.stdout.write(
  `${JSON.stringify({
    bench: 'ingest-throughput',
    devices: flags.devices,
    batchesPerDevice,
    samplesPerBatch: flags.samples,
    offeredSamplesPerSec: flags.devices * flags.rate * flags.samples,
    publishedSamples: total,
    pollIntervalMs: flags.poll,
    endToEnd: { ...e2e, what: 'publish → rule → durable Lambda queue → ingest → WriteRecords → queryable via client-timestream-query; offered load above capacity, so latency includes queueing' },
    endToEndPaced: { ...durable.paced, what: `the same path at ${flags['paced-fraction']} of the saturated throughput: publish → queryable latency without queueing (its CPU per sample includes the bench's own count query, run every pollIntervalMs)` },
    memoryQueue: {
      endToEnd: memory.saturated,
      endToEndPaced: memory.paced,
      what: 'the baseline: the same fleet against a fresh stack whose Lambda queue keeps events in memory only (lost on a crash), as before issue 19',
    },
    durableQueueCost: {
      throughputRatio: round(e2e.samplesPerSec / memory.saturated.samplesPerSec, 3),
      pacedP99Ms: { durable: durable.paced.latencyMs.p99, memory: memory.paced.latencyMs.p99 },
      what: 'durable / in-memory queue, same fleet, same run; goal: ratio ≥ 0.9 (the durable queue costs ≤ 10 %)',
    },
    overload: { ...over, what: '--overload-factor (default 2) × the sustainable (saturated, durable) load; the stack process RSS must stay bounded: the queue takes the backlog on disk, in memory at most its window' },
    brokerOnly: { ...broker, what: 'publish → broker (mTLS, policy checks) → bus observer, same fleet, same run' },
    ratio: round(e2e.samplesPerSec / broker.samplesPerSec, 3),
    cpuRatio: round(broker.stackCpuMicrosPerSample / e2e.stackCpuMicrosPerSample, 3),
    phaseSeconds,
    loadAverage: os.loadavg().map((x) => round(x)),
    cpus: os.cpus().length,
    target: { endToEndSamplesPerSec: 100_000, durableQueueThroughputRatioAtLeast: 0.9, overloadRssPeakMbAtMost: 1024 },
  })}\n`,
);
child.send({ kind: 'exit' });
for (const d of dirs) rmSync(d, { recursive: true, force: true });
