/**
 * How long `pulsepet simulate`'s store check takes over a fleet-sized store: the local
 * stack with `--things` things of `--samples` rows each in `pulsepet.telemetry` (written
 * straight into its store: the writes are not what is measured), and a ledger saying every
 * one of those samples was acknowledged. Each run times `--chunks` of the check's count
 * queries (one query per 100 things) through the real `client-timestream-query` and the
 * gateway, against the same chunks asked the way the check asked before: the OR of each
 * thing's own time range alone, without the IN list and overall span in front of it. Then
 * the whole check once over every thing.
 *
 *   npx tsx bench/store-check-query.ts [--things 10000] [--samples 450] [--chunks 20] [--runs 3]
 *
 * Prints one JSON object on stdout. Not a test: nothing is asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { z } from 'zod';
import { startPulsepetStack } from '../cli/pulsepet-stack';
import { silentLogger } from '../common/logger';
import { parseWriteRecordsRequest } from '../local/index';
import { BatchLedger, type ThingAcked, timestreamStoreCheck } from '../simulators/index';
import { awsClientConfig } from '../test/support/local/stack';
import { benchFlags, round, spread } from './broker-support';
import { ingestShapedBody } from './store-support';

const flags = benchFlags(
  { things: { type: 'string' }, samples: { type: 'string' }, chunks: { type: 'string' }, runs: { type: 'string' } },
  z.object({
    things: z.coerce.number().int().min(100).max(50_000).default(10_000),
    /** rows a thing holds: 450 is about what 8 minutes of 1-second samples leave once the devices have connected */
    samples: z.coerce.number().int().min(30).max(3_600).default(450),
    chunks: z.coerce.number().int().min(1).max(500).default(20),
    runs: z.coerce.number().int().min(1).max(10).default(3),
  }),
);

const CHUNK = 100;
const PER_REQUEST = 90;
const SPACING_MS = 1_000;
const FROM = '"pulsepet"."telemetry"';
const ms = (t: number) => `from_milliseconds(${Math.round(t)})`;

/** The count query as the check asked it before: each thing's own range, ORed, and nothing else to filter by. */
function orOnlySql(chunk: readonly ThingAcked[]): string {
  const base = Math.min(...chunk.map((t) => t.from));
  const ranges = chunk.map((t) => `(thing = '${t.thing}' AND time BETWEEN ${ms(t.from)} AND ${ms(t.to)})`).join(' OR ');
  return `SELECT thing, count(*) AS n, sum(to_milliseconds(time) - ${Math.round(base)}) AS s FROM ${FROM} WHERE measure_name = 'vitals' AND (${ranges}) GROUP BY thing`;
}

const dir = mkdtempSync(join(tmpdir(), 'pp-bench-store-check-'));
const stack = await startPulsepetStack({ dataDir: dir, logger: silentLogger(), displayDir: false });
const client = new TimestreamQueryClient(awsClientConfig(stack));
try {
  const base = Date.now() - 2 * flags.samples * SPACING_MS;
  const ledger = new BatchLedger();
  const names = Array.from({ length: flags.things }, (_, k) => `sim-${String(k).padStart(5, '0')}`);
  const filled0 = performance.now();
  for (let seq = 0; seq * PER_REQUEST < flags.samples; seq++) {
    const records = Math.min(PER_REQUEST, flags.samples - seq * PER_REQUEST);
    const startMs = base + seq * PER_REQUEST * SPACING_MS;
    const writes: Array<Promise<unknown>> = [];
    for (const thing of names) {
      writes.push(stack.timestream.store.write(parseWriteRecordsRequest(JSON.parse(ingestShapedBody({ thing, seq, startMs, records, spacingMs: SPACING_MS })))));
      const entry = ledger.add({ thing, batchId: `b-${seq}`, seq, times: Array.from({ length: records }, (_, i) => startMs + i * SPACING_MS) });
      entry.publishes = entry.acks = 1;
      if (writes.length >= 64) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
  }
  const fillMs = performance.now() - filled0;
  const acked = ledger.acked();
  const chunks = Array.from({ length: Math.min(flags.chunks, Math.ceil(acked.length / CHUNK)) }, (_, i) => acked.slice(i * CHUNK, (i + 1) * CHUNK));
  const check = timestreamStoreCheck(client, { database: 'pulsepet', table: 'telemetry', settleMs: 0, pollMs: 0 });
  const timeEach = async (ask: (chunk: readonly ThingAcked[]) => Promise<number>) => {
    const each: number[] = [];
    for (const chunk of chunks) {
      const t0 = performance.now();
      const stored = await ask(chunk);
      each.push(performance.now() - t0);
      const want = chunk.reduce((n, t) => n + t.samples, 0);
      if (stored !== want) throw new Error(`a count query found ${stored} of ${want} rows`);
    }
    return spread(each, 1).median;
  };
  const before: number[] = [];
  const now: number[] = [];
  for (let r = 0; r < flags.runs; r++) {
    before.push(
      await timeEach(async (chunk) => {
        const out = await client.send(new QueryCommand({ QueryString: orOnlySql(chunk) }));
        return (out.Rows ?? []).reduce((n, row) => n + Number(row.Data?.[1]?.ScalarValue ?? 0), 0);
      }),
    );
    now.push(await timeEach(async (chunk) => (await check(chunk)).storedSamples));
  }
  const whole0 = performance.now();
  const report = await check(acked);
  const wholeMs = performance.now() - whole0;
  const baseline = spread(before, 1);
  const measured = spread(now, 1);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'store-check-query',
      things: flags.things,
      rows: flags.things * flags.samples,
      fillSeconds: round(fillMs / 1000, 1),
      what: 'ms per count query of the store check (100 things each) through client-timestream-query: with the IN list and overall span ANDed in front of the ranges (now) against the ranges ORed alone (before); median of each run, then median and range over the runs',
      baseline: { countQueryMs: baseline },
      measured: { countQueryMs: measured },
      ratio: round(measured.median / baseline.median, 3),
      wholeCheck: { seconds: round(wholeMs / 1000, 1), queries: report.queries, storedSamples: report.storedSamples, lostBatches: report.lostBatches },
    })}\n`,
  );
} finally {
  client.destroy();
  await stack.close();
  rmSync(dir, { recursive: true, force: true });
}
