/**
 * The store's version index past its bound: a fleet's telemetry written straight into
 * TelemetryStore (no HTTP), each thing's batches in time order, `--concurrency` writes at
 * a time, once with the index unbounded (the baseline) and once bounded at `--bound`
 * entries, which the run passes about a quarter of the way in (`--bound` defaults to a
 * quarter of the records written).
 *
 *   npx tsx bench/store-index-bound.ts [--things 2000] [--rounds 40] [--records 30] [--bound N] [--concurrency 64] [--cap-seconds 120]
 *
 * Each mode reports records/s over the first and the second half of the rounds, then:
 * - `late`: every thing resends its batch from round 1 (long trimmed from a bounded
 *   index: the store reads that stretch back from disk), all accepted as replays;
 * - `restart`: the store is closed and opened again, and every thing writes one more
 *   round (each series' first write after a restart reads its stretch from disk).
 * A phase still running after `--cap-seconds` stops there and reports how far it got.
 *
 * Prints one JSON object. Not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { silentLogger } from '../common/logger';
import { parseWriteRecordsRequest, TelemetryStore } from '../local/index';
import { benchFlags, round } from './broker-support';
import { ingestShapedBody } from './store-support';
import { mainAndOtherCpuMicros } from './thread-cpu';

const flags = benchFlags(
  { things: { type: 'string' }, rounds: { type: 'string' }, records: { type: 'string' }, bound: { type: 'string' }, concurrency: { type: 'string' }, 'cap-seconds': { type: 'string' } },
  z.object({
    things: z.coerce.number().int().min(1).max(100_000).default(2000),
    rounds: z.coerce.number().int().min(2).max(10_000).default(40),
    records: z.coerce.number().int().min(1).max(100).default(30),
    bound: z.coerce.number().int().min(1).optional(),
    concurrency: z.coerce.number().int().min(1).max(500).default(64),
    'cap-seconds': z.coerce.number().min(1).max(3600).default(120),
  }),
);
const bound = flags.bound ?? Math.floor((flags.things * flags.rounds * flags.records) / 4);
const spacingMs = 1000;
const base = Date.now() - 3_600_000 - flags.rounds * flags.records * spacingMs;

interface Phase {
  batches: number;
  records: number;
  seconds: number;
  recordsPerSec: number;
  mainCpuMicrosPerRecord: number;
  otherCpuMicrosPerRecord: number;
  rejected: number;
  indexLoads: number;
  completed: boolean;
}

/** Writes the batches (thing, round) `concurrency` at a time until done or the cap. */
async function phase(store: TelemetryStore, batches: Array<[number, number]>): Promise<Phase> {
  const loads0 = store.indexLoads.count;
  const t0 = performance.now();
  const c0 = mainAndOtherCpuMicros();
  const deadline = t0 + flags['cap-seconds'] * 1000;
  let next = 0;
  let done = 0;
  let rejected = 0;
  await Promise.all(
    Array.from({ length: flags.concurrency }, async () => {
      while (next < batches.length && performance.now() < deadline) {
        const [thing, r] = batches[next++] as [number, number];
        const body = ingestShapedBody({ thing: `dev-${thing}`, seq: r, startMs: base + r * flags.records * spacingMs, records: flags.records, spacingMs });
        const res = await store.write(parseWriteRecordsRequest(JSON.parse(body)));
        rejected += res.rejected.length;
        done++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const c1 = mainAndOtherCpuMicros();
  const records = done * flags.records;
  return {
    batches: done,
    records,
    seconds: round(seconds, 2),
    recordsPerSec: round(records / seconds),
    mainCpuMicrosPerRecord: round((c1.main - c0.main) / Math.max(1, records), 2),
    otherCpuMicrosPerRecord: round((c1.other - c0.other) / Math.max(1, records), 2),
    rejected,
    indexLoads: store.indexLoads.count - loads0,
    completed: done === batches.length,
  };
}

const roundOf = (r: number): Array<[number, number]> => Array.from({ length: flags.things }, (_, t) => [t, r]);
const rounds = (from: number, to: number): Array<[number, number]> => Array.from({ length: to - from }, (_, i) => roundOf(from + i)).flat();

async function mode(maxIndexEntries: number): Promise<Record<string, Phase>> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-bench-index-'));
  try {
    const open = () => TelemetryStore.open({ dataDir: dir, logger: silentLogger(), maxIndexEntries });
    let store = await open();
    const half = Math.floor(flags.rounds / 2);
    const firstHalf = await phase(store, rounds(0, half));
    const secondHalf = await phase(store, rounds(half, flags.rounds));
    const late = await phase(store, roundOf(1));
    await store.close();
    store = await open();
    const restart = await phase(store, roundOf(flags.rounds));
    await store.close();
    return { firstHalf, secondHalf, late, restart };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const unbounded = await mode(Number.MAX_SAFE_INTEGER);
const bounded = await mode(bound);
const ratio = (p: keyof Awaited<ReturnType<typeof mode>>) => round((bounded[p]?.recordsPerSec ?? 0) / Math.max(1, unbounded[p]?.recordsPerSec ?? 0), 3);
process.stdout.write(
  `${JSON.stringify({
    bench: 'store-index-bound',
    things: flags.things,
    rounds: flags.rounds,
    recordsPerBatch: flags.records,
    concurrency: flags.concurrency,
    bound,
    recordsWritten: flags.things * flags.rounds * flags.records,
    unbounded,
    bounded,
    boundedOverUnbounded: { secondHalf: ratio('secondHalf'), late: ratio('late'), restart: ratio('restart') },
  })}\n`,
);
