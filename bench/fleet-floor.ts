/**
 * The floor under `bench/fleet-scale.ts`: the CPU that two calls every steady-state
 * telemetry batch makes cost by themselves, through the real AWS SDK clients and the
 * local gateway, as the architecture requires (local and AWS differ only in endpoints).
 *
 * - `writeRecords`: the ingest function's one WriteRecords per batch (30 multi-measure
 *   samples, `thing` in CommonAttributes) into `pulsepet.telemetry`;
 * - `updateShadow`: the reasoning function's one UpdateThingShadow of the `reasoning`
 *   named shadow per batch: a whole reasoning state (its 30-minute window, batch ids,
 *   energy, baseline) in the layout the function writes (about 2.5 KB) with the
 *   shadow's version, the answer parsed for the next version, as the function does.
 *
 * - `bareHttp` (the baseline, same run): the same body POSTed with Node's own `http`
 *   client over a keep-alive connection to a server in this process that answers 200 at
 *   once: what HTTP over loopback costs here without the SDK, SigV4 and the services.
 *
 * The stack runs in this process (as `pulsepet up` runs it, rules on, no device
 * connected); the clients run in a child process, `--concurrency` calls in flight, spread
 * over `--things` things. For each operation: calls/s, the client's CPU per call, and the
 * stack's CPU per call split into its main thread and its other threads (DuckDB, libuv,
 * V8 helpers), from /proc/self/task. `perBatch` adds the two, and `atGoal` is what that
 * alone costs at 10,000 devices × 30 s (333 batches/s), in cores, against the machine's.
 *
 *   npx tsx bench/fleet-floor.ts [--calls 3000] [--concurrency 16] [--things 1000] [--runs 3]
 *                                [--cache-middleware on|off]
 *
 * The clients are built as the functions build them (common/sdk-config.ts), with the SDK's
 * `cacheMiddleware`; `--cache-middleware off` builds them without it, for comparison.
 *
 * Prints one JSON object on stdout. Not a test: nothing is asserted.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { startPulsepetStack } from '../cli/pulsepet-stack';
import { silentLogger } from '../common/logger';
import { benchFlags, round, spread } from './broker-support';
import { latencySummary } from './latency';
import { mainAndOtherCpuMicros } from './thread-cpu';

const flags = benchFlags(
  { calls: { type: 'string' }, concurrency: { type: 'string' }, things: { type: 'string' }, runs: { type: 'string' }, 'cache-middleware': { type: 'string' } },
  z.object({
    calls: z.coerce.number().int().min(100).max(100_000).default(3000),
    concurrency: z.coerce.number().int().min(1).max(256).default(16),
    things: z.coerce.number().int().min(1).max(100_000).default(1000),
    runs: z.coerce.number().int().min(1).max(20).default(3),
    'cache-middleware': z.enum(['on', 'off']).default('on'),
  }).refine((f) => f.things >= f.concurrency, { message: '--things must be at least --concurrency: one call in flight per thing, as versioned shadow updates need', path: ['things'] }),
);

export type FloorOp = 'writeRecords' | 'updateShadow' | 'bareHttp';
/** the two calls a batch makes; `bareHttp` is the baseline, not part of the floor */
const BATCH_OPS: readonly FloorOp[] = ['writeRecords', 'updateShadow'];
const OPS: readonly FloorOp[] = [...BATCH_OPS, 'bareHttp'];
const GOAL_BATCHES_PER_S = 10_000 / 30;

interface ClientResult {
  calls: number;
  wallMs: number;
  clientCpuMicros: number;
  latenciesMs: number[];
}

function ask(child: ChildProcess, op: FloorOp, calls: number): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { kind: string; result?: ClientResult; error?: string }) => {
      child.off('message', onMessage);
      if (m.kind === 'done' && m.result) resolve(m.result);
      else reject(new Error(m.error ?? 'the client process failed'));
    };
    child.on('message', onMessage);
    child.send({ kind: 'run', op, calls });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'pp-bench-floor-'));
const stack = await startPulsepetStack({ dataDir: dir, logger: silentLogger(), displayDir: false });
const bare = createServer((req, res) => {
  req.resume();
  req.once('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
});
await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
const bareAddress = bare.address();
const bareUrl = typeof bareAddress === 'object' && bareAddress ? `http://127.0.0.1:${bareAddress.port}/` : '';
const child = fork(join(import.meta.dirname, 'fleet-floor-client.ts'), [], {
  execArgv: ['--import', 'tsx'],
  env: { ...process.env },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
child.send({ kind: 'setup', endpoint: stack.httpEndpoint, region: stack.region, credentials: { ...stack.credentials }, bareUrl, things: flags.things, concurrency: flags.concurrency, cacheMiddleware: flags['cache-middleware'] === 'on' });

const RUN_FIELDS = ['callsPerS', 'clientMs', 'stackMainMs', 'stackOtherMs', 'stackMs', 'p50Ms', 'p99Ms'] as const;
type Run = Record<(typeof RUN_FIELDS)[number], number>;
const runs = new Map<FloorOp, Run[]>(OPS.map((op) => [op, []]));
try {
  // one warm-up pass per operation (JIT, table creation, first shadows), not measured
  for (const op of OPS) await ask(child, op, Math.min(flags.calls, 1000));
  for (let r = 0; r < flags.runs; r++) {
    for (const op of OPS) {
      const c0 = mainAndOtherCpuMicros();
      const res = await ask(child, op, flags.calls);
      const c1 = mainAndOtherCpuMicros();
      const lat = latencySummary(res.latenciesMs);
      const main = (c1.main - c0.main) / res.calls / 1000;
      const other = (c1.other - c0.other) / res.calls / 1000;
      runs.get(op)?.push({
        callsPerS: round(res.calls / (res.wallMs / 1000)),
        clientMs: round(res.clientCpuMicros / res.calls / 1000, 3),
        stackMainMs: round(main, 3),
        stackOtherMs: round(other, 3),
        stackMs: round(main + other, 3),
        p50Ms: lat.p50Ms ?? 0,
        p99Ms: lat.p99Ms ?? 0,
      });
    }
  }
} finally {
  child.kill();
  bare.close();
  await stack.close();
  rmSync(dir, { recursive: true, force: true });
}

const byOp = Object.fromEntries(
  OPS.map((op) => {
    const rs = runs.get(op) ?? [];
    return [op, Object.fromEntries(RUN_FIELDS.map((k) => [k, spread(rs.map((r) => r[k]))])) as Record<keyof Run, ReturnType<typeof spread>>];
  }),
);
const perBatchMs = BATCH_OPS.reduce((s, op) => s + (byOp[op]?.clientMs.median ?? 0) + (byOp[op]?.stackMs.median ?? 0), 0);
const mainPerBatchMs = BATCH_OPS.reduce((s, op) => s + (byOp[op]?.stackMainMs.median ?? 0), 0);
process.stdout.write(
  `${JSON.stringify({
    bench: 'fleet-floor',
    calls: flags.calls,
    concurrency: flags.concurrency,
    things: flags.things,
    runs: flags.runs,
    cacheMiddleware: flags['cache-middleware'],
    ops: byOp,
    perBatch: { ms: round(perBatchMs, 3), stackMainThreadMs: round(mainPerBatchMs, 3) },
    atGoal: { batchesPerS: round(GOAL_BATCHES_PER_S), coresNeeded: round((perBatchMs * GOAL_BATCHES_PER_S) / 1000, 2), mainThreadCoresNeeded: round((mainPerBatchMs * GOAL_BATCHES_PER_S) / 1000, 2), cores: availableParallelism() },
    runsByOp: Object.fromEntries(runs),
  })}\n`,
);
process.exit(0);
