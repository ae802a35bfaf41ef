/**
 * What the shadow journal's compaction costs at fleet size: a DurableMap shaped like the
 * shadow store of `--things` devices (a 3.5 KB `reasoning` state, a 2 KB `pet`, a small
 * `config` and `daily` each: about 64 MB of snapshot at 10,000 devices, as measured after a
 * 10,000-device fleet), then `--updates` changes of about 2 KB on average (half `reasoning`
 * states, half small documents: the journal's mean line after that fleet), 100 a tick, with
 * the shadow store's fsync policy. Measured: the process's CPU per update (the background
 * compactions included), the snapshots written and their bytes per update, and the time a
 * reopen takes to load what is left. Baseline, in the same run: `compactGrowth` 0
 * (compaction every 10,000 entries alone, as before); measured: the default, 1 (the
 * journal must also reach the snapshot's bytes). Runs interleaved, median and range.
 *
 *   npx tsx bench/journal-growth.ts [--things 10000] [--updates 40000] [--runs 3]
 *
 * Prints one JSON object on stdout. Not a test: nothing is asserted.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { DurableMap } from '../common/journal';
import { benchFlags, round, spread } from './broker-support';

const flags = benchFlags(
  { things: { type: 'string' }, updates: { type: 'string' }, runs: { type: 'string' } },
  z.object({
    things: z.coerce.number().int().min(100).max(50_000).default(10_000),
    updates: z.coerce.number().int().min(1_000).max(500_000).default(40_000),
    runs: z.coerce.number().int().min(1).max(10).default(3),
  }),
);

/** A document of about `bytes` bytes of JSON, changed by `n`. */
const doc = (bytes: number, n: number) => ({ state: { reported: { n, body: 'x'.repeat(bytes) } }, version: n, timestamp: 1_796_400_000 + n });
const SHAPES: readonly [string, number][] = [
  ['reasoning', 3_500],
  ['pet', 2_000],
  ['config', 500],
  ['daily', 400],
];

interface Run {
  growth: number;
  cpuMicrosPerUpdate: number;
  compactions: number;
  snapshotBytesPerUpdate: number;
  reopenMs: number;
}

async function settled(dir: string): Promise<void> {
  while (existsSync(join(dir, 'shadows.journal.old'))) await new Promise((r) => setTimeout(r, 20));
}

async function once(growth: number, things: number, updates: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-journal-growth-bench-'));
  try {
    const map = DurableMap.open<unknown>(dir, 'shadows', { fsync: { kind: 'interval', ms: 1000 }, compactGrowth: growth });
    for (let t = 0; t < things; t++) for (const [name, bytes] of SHAPES) map.set(`thing-${t}\u0000${name}`, doc(bytes, 0));
    map.compact();
    const before = map.compactions.count;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < updates; i += 100) {
      const tick: Promise<void>[] = [];
      for (let j = i; j < Math.min(updates, i + 100); j++) {
        const thing = (j * 7_919) % things;
        tick.push(j % 2 === 0 ? map.set(`thing-${thing}\u0000reasoning`, doc(3_500, j)) : map.set(`thing-${thing}\u0000conn`, doc(400, j)));
      }
      await Promise.all(tick);
    }
    await settled(dir);
    const cpu = process.cpuUsage(cpu0);
    const written = map.compactions;
    map.close();
    const t0 = performance.now();
    DurableMap.open<unknown>(dir, 'shadows', { compactGrowth: growth }).close();
    const reopenMs = performance.now() - t0;
    return {
      growth,
      cpuMicrosPerUpdate: round((cpu.user + cpu.system) / updates, 1),
      compactions: written.count - before,
      snapshotBytesPerUpdate: Math.round((written.snapshotBytes - (written.snapshotBytes / written.count) * before) / updates),
      reopenMs: round(reopenMs, 0),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs: Run[] = [];
for (let r = 0; r < flags.runs; r++) for (const growth of [0, 1]) runs.push(await once(growth, flags.things, flags.updates));
const of = (growth: number) => {
  const rs = runs.filter((r) => r.growth === growth);
  return {
    compactGrowth: growth,
    cpuMicrosPerUpdate: spread(rs.map((r) => r.cpuMicrosPerUpdate), 1),
    compactions: spread(rs.map((r) => r.compactions), 0),
    snapshotBytesPerUpdate: spread(rs.map((r) => r.snapshotBytesPerUpdate), 0),
    reopenMs: spread(rs.map((r) => r.reopenMs), 0),
  };
};
const baseline = of(0);
const measured = of(1);
process.stdout.write(
  `${JSON.stringify(
    {
      bench: 'journal-growth',
      things: flags.things,
      updates: flags.updates,
      runs: flags.runs,
      baseline: { what: 'compaction every 10,000 entries alone (compactGrowth 0, as before)', ...baseline },
      measured: { what: 'the default: 10,000 entries and as many journal bytes as the snapshot (compactGrowth 1)', ...measured },
      cpuRatio: round(measured.cpuMicrosPerUpdate.median / baseline.cpuMicrosPerUpdate.median, 2),
      runsDetail: runs,
    },
    null,
    2,
  )}\n`,
);
