/**
 * Store-only micro-benchmark: WriteRecords requests shaped like the ingest function's
 * (100 multi-measure records, shared attributes in CommonAttributes), written
 * `--concurrency` at a time straight into TelemetryStore (no HTTP). Reports records/s and
 * CPU per record on the event-loop thread and on every other thread (DuckDB's).
 *
 *   npx tsx bench/ingest-store.ts [--requests 2000] [--concurrency 40] [--warmup 400] [--threads N]
 *
 * `--threads` sets DuckDB's threads (default: the store's, DEFAULT_STORE_THREADS), to
 * compare with DuckDB's own default (one per core).
 *
 * The split of the event-loop figure (JSON.parse of the body, request checks, the
 * synchronous part of store.write) is wall time around those calls.
 *
 * Prints one JSON object. Not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { silentLogger } from '../common/logger';
import { DEFAULT_STORE_THREADS, parseWriteRecordsRequest, TelemetryStore } from '../local/index';
import { benchFlags, round } from './broker-support';
import { ingestShapedBody } from './store-support';
import { mainAndOtherCpuMicros } from './thread-cpu';

const flags = benchFlags(
  { requests: { type: 'string' }, concurrency: { type: 'string' }, warmup: { type: 'string' }, threads: { type: 'string' } },
  z.object({
    requests: z.coerce.number().int().min(1).max(100_000).default(2000),
    concurrency: z.coerce.number().int().min(1).max(500).default(40),
    warmup: z.coerce.number().int().min(0).max(10_000).default(400),
    threads: z.coerce.number().int().min(1).max(64).default(DEFAULT_STORE_THREADS),
  }),
);

const dir = mkdtempSync(join(tmpdir(), 'pp-bench-store-'));
const store = await TelemetryStore.open({ ...(process.env.PP_BENCH_MEMORY ? {} : { dataDir: dir }), logger: silentLogger(), threads: flags.threads });
const base = Date.now() - 3_600_000;
const body = (k: number): string => {
  const seq = Math.floor(k / 40);
  return ingestShapedBody({ thing: `dev-${k % 40}`, seq, startMs: base + seq * 100, records: 100, spacingMs: 1 });
};
// Warm-up requests (JIT, first commits) go first and are not measured: the figures are steady state.
const warm = Array.from({ length: flags.warmup }, (_, k) => body(k));
const bodies = Array.from({ length: flags.requests }, (_, k) => body(flags.warmup + k));
let w = 0;
await Promise.all(
  Array.from({ length: flags.concurrency }, async () => {
    while (w < warm.length) await store.write(parseWriteRecordsRequest(JSON.parse(warm[w++] ?? '')));
  }),
);
const s0 = { ...store.stats };
const t0 = performance.now();
const c0 = mainAndOtherCpuMicros();
let next = 0;
// wall time of the synchronous steps on the event loop, to split the CPU figure
let jsonMs = 0;
let requestMs = 0;
let writeMs = 0;
await Promise.all(
  Array.from({ length: flags.concurrency }, async () => {
    while (next < bodies.length) {
      const b = bodies[next++] ?? '';
      const ta = performance.now();
      const parsed: unknown = JSON.parse(b);
      const tb = performance.now();
      const request = parseWriteRecordsRequest(parsed);
      const tc = performance.now();
      const done = store.write(request);
      writeMs += performance.now() - tc;
      requestMs += tc - tb;
      jsonMs += tb - ta;
      await done;
    }
  }),
);
const secs = (performance.now() - t0) / 1000;
const c1 = mainAndOtherCpuMicros();
const records = flags.requests * 100;
process.stdout.write(
  `${JSON.stringify({
    bench: 'ingest-store',
    requests: flags.requests,
    concurrency: flags.concurrency,
    duckdbThreads: flags.threads,
    recordsPerSec: round(records / secs),
    eventLoopCpuMicrosPerRecord: round((c1.main - c0.main) / records, 2),
    otherThreadsCpuMicrosPerRecord: round((c1.other - c0.other) / records, 2),
    jsonParseMicrosPerRecord: round((jsonMs * 1000) / records, 2),
    parseRequestMicrosPerRecord: round((requestMs * 1000) / records, 2),
    normalizeMicrosPerRecord: round((writeMs * 1000) / records, 2),
    warmupRequests: flags.warmup,
    commits: store.stats.commits - s0.commits,
    msPerCommit: round((store.stats.commitMs - s0.commitMs) / Math.max(1, store.stats.commits - s0.commits), 1),
  })}\n`,
);
await store.close();
rmSync(dir, { recursive: true, force: true });
