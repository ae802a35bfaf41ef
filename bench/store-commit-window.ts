/**
 * The Timestream store's group commit window: CPU per WriteRecords call when calls shaped
 * like the ingest function's (one telemetry batch: 30 multi-measure records of one thing,
 * shared attributes in CommonAttributes) arrive from a fleet of things, as many concurrent
 * ingest invocations send them, straight into TelemetryStore (no HTTP). Each rate runs
 * with the window before (5 ms) and now (DEFAULT_COMMIT_DELAY_MS); a caller writing one
 * call at a time runs with the default and with no window at all (0), which it must
 * match: it never overlaps itself, so it never waits.
 *
 *   npx tsx bench/store-commit-window.ts [--things 1500] [--rates 50,333] [--seconds 10] [--runs 3]
 *
 * Calls at a rate arrive as a Poisson stream (independent devices: exponential gaps,
 * seeded), not evenly spaced. Every configuration gets a fresh store in a directory of its
 * own, filled first with two batches per thing; runs interleave the configurations. CPU is
 * this process's, all threads (DuckDB's included). Prints one JSON object: per
 * configuration the median and range over the runs. Not a test: nothing is asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { silentLogger } from '../common/logger';
import { seededRandom } from '../common/seeded-random';
import { DEFAULT_COMMIT_DELAY_MS, parseWriteRecordsRequest, TelemetryStore } from '../local/index';
import { benchFlags, spread } from './broker-support';
import { ingestShapedBody } from './store-support';
import { mainAndOtherCpuMicros } from './thread-cpu';

const flags = benchFlags(
  { things: { type: 'string' }, rates: { type: 'string' }, seconds: { type: 'string' }, runs: { type: 'string' } },
  z.object({
    things: z.coerce.number().int().min(1).max(100_000).default(1500),
    rates: z
      .string()
      .default('50,333')
      .transform((s) => s.split(',').map(Number))
      .pipe(z.array(z.number().int().min(1).max(5000)).min(1)),
    seconds: z.coerce.number().min(1).max(600).default(10),
    runs: z.coerce.number().int().min(1).max(20).default(3),
  }),
);

const BEFORE_MS = 5;
const RECORDS_PER_CALL = 30;
const base = Date.now() - 3_600_000;
/** The k-th call: thing k mod things, its batch k div things (seq, its samples a second apart). */
function body(k: number): string {
  const seq = Math.floor(k / flags.things);
  return ingestShapedBody({ thing: `sim-${String(k % flags.things).padStart(5, '0')}`, seq, startMs: base + seq * 30_000, records: RECORDS_PER_CALL, spacingMs: 1000 });
}

interface Config {
  name: string;
  windowMs: number;
  /** calls a second, or 0: one call at a time */
  rate: number;
}
interface Figures {
  cpuMsPerCall: number;
  callsPerCommit: number;
  meanWriteMs: number;
  callsPerSecond: number;
}

async function runOne(c: Config): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-bench-commit-'));
  const store = await TelemetryStore.open({ dataDir: dir, logger: silentLogger(), commitDelayMs: c.windowMs });
  const write = (k: number) => store.write(parseWriteRecordsRequest(JSON.parse(body(k))));
  let k = 0;
  // two batches per thing first, 8 calls at a time: the steady state's table and indexes
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (k < 2 * flags.things) await write(k++);
    }),
  );
  // the fill overlapped: past OVERLAP_MS (1 s) a caller writing alone no longer waits
  await new Promise((r) => setTimeout(r, 1100));
  const s0 = { ...store.stats };
  const c0 = mainAndOtherCpuMicros();
  const t0 = performance.now();
  const end = t0 + flags.seconds * 1000;
  let calls = 0;
  let writeMs = 0;
  const timed = (n: number) => {
    const ts = performance.now();
    return write(n).then(() => {
      writeMs += performance.now() - ts;
      calls++;
    });
  };
  if (c.rate === 0) {
    while (performance.now() < end) await timed(k++);
  } else {
    // independent devices' batches: a Poisson stream (exponential gaps), seeded
    const random = seededRandom(7);
    const pending: Promise<void>[] = [];
    for (let due = t0; ; due += (-Math.log(1 - random()) * 1000) / c.rate) {
      if (due >= end) break;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(timed(k++));
    }
    await Promise.all(pending);
  }
  const secs = (performance.now() - t0) / 1000;
  const c1 = mainAndOtherCpuMicros();
  const commits = store.stats.commits - s0.commits;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    cpuMsPerCall: (c1.main + c1.other - c0.main - c0.other) / 1000 / calls,
    callsPerCommit: calls / Math.max(1, commits),
    meanWriteMs: writeMs / calls,
    callsPerSecond: calls / secs,
  };
}

const configs: Config[] = [
  ...flags.rates.flatMap((rate) => [
    { name: `${rate}/s, ${BEFORE_MS} ms window (before)`, windowMs: BEFORE_MS, rate },
    { name: `${rate}/s, ${DEFAULT_COMMIT_DELAY_MS} ms window`, windowMs: DEFAULT_COMMIT_DELAY_MS, rate },
  ]),
  { name: 'one call at a time, no window (reference)', windowMs: 0, rate: 0 },
  { name: `one call at a time, ${DEFAULT_COMMIT_DELAY_MS} ms window`, windowMs: DEFAULT_COMMIT_DELAY_MS, rate: 0 },
];
const results = new Map<string, Figures[]>(configs.map((c) => [c.name, []]));
for (let r = 0; r < flags.runs; r++) {
  for (const c of configs) results.get(c.name)?.push(await runOne(c));
}
const summary = Object.fromEntries(
  [...results].map(([name, fs]) => [
    name,
    {
      cpuMsPerCall: spread(fs.map((f) => f.cpuMsPerCall)),
      callsPerCommit: spread(fs.map((f) => f.callsPerCommit), 1),
      meanWriteMs: spread(fs.map((f) => f.meanWriteMs), 1),
      callsPerSecond: spread(fs.map((f) => f.callsPerSecond), 0),
    },
  ]),
);
process.stdout.write(
  `${JSON.stringify({ bench: 'store-commit-window', things: flags.things, recordsPerCall: RECORDS_PER_CALL, seconds: flags.seconds, runs: flags.runs, defaultWindowMs: DEFAULT_COMMIT_DELAY_MS, configs: summary })}\n`,
);
