/**
 * Reasoning benchmark: N devices (a child process) publish 5-minute telemetry batches
 * that alternate between running and rest, so every batch changes the pet's state; the
 * rules hand each batch to the reasoning function (its own execution environment, real
 * clients), which writes the `pet` shadow, with the stack's defaults: the Bedrock coach
 * within its budget (the local stand-in) and the avatar function on every pet write;
 * `--loop-only` runs the deterministic coach and no avatar (the loop alone); each device times publish → the
 * `update/delta` it receives. Then, from the same run: the reasoning function's CPU per
 * batch (its worker threads, /proc), shadow requests and store queries per batch, the
 * share of batches that wrote the pet, and what that implies per device-month on AWS
 * at list prices (the prices and their date are in the output).
 *
 *   npx tsx bench/reasoning-loop.ts [--devices 100] [--batches 6] [--interval-ms 2000] [--loop-only]
 *
 * The paced phase (one batch per device every `--interval-ms`) is the latency figure;
 * goal p99 < 1 s. Prints one JSON object. Not a test.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { z } from 'zod';
import { startPulsepetStack } from '../cli/pulsepet-stack';
import { FUNCTION_NAMES } from '../protocol/resources';
import { awsClientConfig, provisionTestDevice, type TestDevice } from '../test/support/local/stack';
import { benchFlags, round } from './broker-support';
import { monthlyCost, PRICES } from './reasoning-cost';
import { threadCpuMicros } from './thread-cpu';

const flags = benchFlags(
  { devices: { type: 'string' }, batches: { type: 'string' }, 'interval-ms': { type: 'string' }, 'loop-only': { type: 'boolean' } },
  z.object({
    'loop-only': z.boolean().default(false),
    devices: z.coerce.number().int().min(1).max(1000).default(100),
    batches: z.coerce.number().int().min(2).max(100).default(6),
    /** one batch per device per interval (the agent batches every 30 s–5 min; faster here to load the function) */
    'interval-ms': z.coerce.number().int().min(100).max(60_000).default(2000),
  }),
);

const dir = mkdtempSync(join(tmpdir(), 'pp-bench-reasoning-'));
// --loop-only: the deterministic coach and no avatar requests, as UpdateFunctionConfiguration would set them
const loopOnly = { [FUNCTION_NAMES.reasoning]: { PULSEPET_COACH: 'deterministic', PULSEPET_AVATAR_FUNCTION: null } };
const stack = await startPulsepetStack({ dataDir: dir, ...(flags['loop-only'] ? { environment: loopOnly } : {}) });
const devices: TestDevice[] = [];
for (let i = 0; i < flags.devices; i++) devices.push(await provisionTestDevice(stack, `bench-reason-${i}`));

const child = fork(join(import.meta.dirname, 'reasoning-fleet.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
function request<T>(msg: object, expect: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (m: { kind: string; message?: string }) => {
      if (m.kind !== expect && m.kind !== 'error') return;
      child.off('message', on);
      if (m.kind === 'error') reject(new Error(m.message));
      else resolve(m as T);
    };
    child.on('message', on);
    child.send(msg);
  });
}
await request({ kind: 'init', mqttEndpoint: stack.mqttEndpoint, caPem: readFileSync(stack.caFile, 'utf8'), devices: devices.map((d) => ({ thing: d.thingName, certificatePem: d.certificatePem, privateKeyPem: d.privateKeyPem })) }, 'ready');

/** CPU of the reasoning function's execution environments (worker threads), in µs. */
function functionCpuMicros(): number {
  const tids = new Set(stack.lambda.functions.get(FUNCTION_NAMES.reasoning)?.osThreadIds ?? []);
  let micros = 0;
  for (const [tid, m] of threadCpuMicros()) if (tids.has(tid)) micros += m;
  return micros;
}

/** The gateway's request counter for a service, summed over statuses (GET /metrics). */
async function gatewayRequests(service: string): Promise<number> {
  const text = await (await fetch(`${stack.httpEndpoint}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith(`pulsepet_gateway_requests_total{service="${service}"`)) n += Number(line.split(' ').pop());
  return n;
}

/** The reasoning function's own counters, summed over the devices' `reasoning` shadows. */
async function reasoningCounters(): Promise<{ batches: number; petWrites: number; storeQueries: number }> {
  const data = new IoTDataPlaneClient(awsClientConfig(stack));
  const sum = { batches: 0, petWrites: 0, storeQueries: 0 };
  try {
    for (const d of devices) {
      const out = await data.send(new GetThingShadowCommand({ thingName: d.thingName, shadowName: 'reasoning' }));
      const doc = JSON.parse(Buffer.from(out.payload ?? new Uint8Array()).toString()) as { state: { reported: { counters: typeof sum } } };
      for (const k of ['batches', 'petWrites', 'storeQueries'] as const) sum[k] += doc.state.reported.counters[k];
    }
  } finally {
    data.destroy();
  }
  return sum;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
};

// Warm-up, not measured: the function's cold start (loading its module and the SDK) and
// each device's first batch (its baseline read, the reasoning shadow's creation).
const warmStarted = Date.now();
const warm = await request<{ latencies: number[] }>({ kind: 'run', batches: 1, intervalMs: flags['interval-ms'], end: Date.now() - 3_600_000 }, 'done');
await stack.rules.idle();
const warmUp = { seconds: round((Date.now() - warmStarted) / 1000), publishToDeltaMaxMs: round(Math.max(...warm.latencies)) };
const counters0 = await reasoningCounters();
const cpu0 = functionCpuMicros();
const shadow0 = await gatewayRequests('iotdata');
const ts0 = await gatewayRequests('timestream');
const started = Date.now();
const { latencies } = await request<{ latencies: number[] }>({ kind: 'run', batches: flags.batches, intervalMs: flags['interval-ms'], end: Date.now() }, 'done');
await stack.rules.idle();
const seconds = (Date.now() - started) / 1000;
const cpuMicros = functionCpuMicros() - cpu0;
const shadowRequests = (await gatewayRequests('iotdata')) - shadow0;
// the ingest function's writes go to timestream too: count only the reasoning function's queries (from its shadow counters)
const counters = await reasoningCounters();
const batches = counters.batches - counters0.batches;
const petWrites = counters.petWrites - counters0.petWrites;
const storeQueries = counters.storeQueries - counters0.storeQueries;
const delivered = latencies.filter((x) => x >= 0);
const perBatch = {
  functionCpuMicros: round(cpuMicros / batches),
  shadowRequests: round(shadowRequests / batches, 2),
  storeQueries: round(storeQueries / batches, 3),
  petWriteShare: round(petWrites / batches, 3),
};
process.stdout.write(
  `${JSON.stringify({
    bench: 'reasoning-loop',
    devices: flags.devices,
    batchesPerDevice: flags.batches,
    intervalMs: flags['interval-ms'],
    functions: flags['loop-only'] ? 'the loop alone: deterministic coach, no avatar' : 'stack defaults: Bedrock coach (local stand-in) within its budget, avatar on every pet write',
    seconds: round(seconds),
    warmUp,
    batches,
    publishToDeltaMs: { p50: round(pct(delivered, 50)), p99: round(pct(delivered, 99)), max: round(pct(delivered, 100)), missing: latencies.length - delivered.length },
    perBatch: { ...perBatch, what: 'every batch here changes the state (run/rest alternate): the worst case for writes; timestream queries are the hourly baseline reads' },
    timestreamRequestsIncludingIngest: (await gatewayRequests('timestream')) - ts0,
    // steady state: the baseline is read once per device-hour (the run reads it on each device's first batch)
    awsPerDeviceMonth: monthlyCost({ batchesPerDay: 2880, ...perBatch, storeQueries: 30 / 3600, batchBytes: 21_000 }),
    prices: PRICES,
    loadAverage: os.loadavg().map((x) => round(x)),
    cpus: os.cpus().length,
    target: { publishToDeltaP99Ms: 1000 },
  })}\n`,
);
child.send({ kind: 'exit' });
await stack.close();
rmSync(dir, { recursive: true, force: true });
