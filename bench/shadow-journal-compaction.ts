/**
 * Journal compaction cost for the shadow store: how long the event loop is blocked
 * while DurableMap rewrites its snapshot, for N shadow-sized entries. Baseline:
 * an explicit synchronous `compact()` (what the automatic compaction used to run
 * on the event loop); measured: the automatic background compaction, as the
 * event loop's longest delay (perf_hooks.monitorEventLoopDelay) while it runs.
 *
 *   npx tsx bench/shadow-journal-compaction.ts [--entries 3000]
 *
 * Prints one JSON object on stdout. Not a test: nothing is asserted.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { z } from 'zod';
import { DurableMap } from '../common/journal';

const Flags = z.object({ entries: z.coerce.number().int().min(10).max(100_000).default(3000) });
const argv = process.argv.slice(2);
const raw: Record<string, string> = {};
for (let i = 0; i < argv.length; i += 2) raw[(argv[i] ?? '').replace(/^--/, '')] = argv[i + 1] ?? '';
const parsed = Flags.safeParse(raw);
if (!parsed.success) {
  process.stderr.write(`${z.prettifyError(parsed.error)}\n`);
  process.exit(2);
}
const { entries } = parsed.data;

/** A shadow record about the size of the `pet` shadow (state + per-leaf metadata). */
function shadow(i: number) {
  const ts = 1_700_000_000 + i;
  const desired = { mood: 'calm', energy: i % 100, message: `keep going ${i}`, spoons: 7, band: 'ok', updatedAt: ts };
  const meta = Object.fromEntries(Object.keys(desired).map((k) => [k, { timestamp: ts }]));
  return { state: { desired, reported: desired }, metadata: { desired: meta, reported: meta }, version: i, timestamp: ts };
}

const ms = (ns: number) => Math.round(ns / 1e4) / 100;

async function fill(map: DurableMap<unknown>, n: number): Promise<void> {
  for (let i = 0; i < n; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, n - i) }, (_, j) => map.set(`thing-${i + j}\u0000pet`, shadow(i + j))));
  }
}

// Baseline: the synchronous rewrite on the event loop.
const dirA = mkdtempSync(join(tmpdir(), 'pp-compact-bench-'));
const a = DurableMap.open<unknown>(dirA, 'shadows', { compactEvery: Number.MAX_SAFE_INTEGER });
await fill(a, entries);
const syncTimes: number[] = [];
for (let r = 0; r < 5; r++) {
  const t = performance.now();
  a.compact();
  syncTimes.push(performance.now() - t);
}
a.close();
rmSync(dirA, { recursive: true, force: true });

// Background: fill past compactEvery, then watch the loop until the rotated journal is gone.
const dirB = mkdtempSync(join(tmpdir(), 'pp-compact-bench-'));
const b = DurableMap.open<unknown>(dirB, 'shadows', { compactEvery: entries });
const loop = monitorEventLoopDelay({ resolution: 1 });
await fill(b, entries - 1);
loop.enable();
const started = performance.now();
await b.set('thing-last\u0000pet', shadow(entries));
// one more commit after the fsync that crossed the threshold starts the compaction
await b.set('thing-last\u0000pet', shadow(entries + 1));
const old = join(dirB, 'shadows.journal.old');
while (existsSync(old)) await new Promise((r) => setTimeout(r, 1));
const backgroundMs = performance.now() - started;
loop.disable();
b.close();
rmSync(dirB, { recursive: true, force: true });

syncTimes.sort((x, y) => x - y);
process.stdout.write(
  `${JSON.stringify({
    bench: 'shadow-journal-compaction',
    entries,
    baseline: { syncCompactMsMedian: Math.round((syncTimes[2] ?? 0) * 100) / 100, syncCompactMsMax: Math.round((syncTimes[4] ?? 0) * 100) / 100 },
    background: { wallMs: Math.round(backgroundMs * 100) / 100, loopDelayMaxMs: ms(loop.max), loopDelayP99Ms: ms(loop.percentile(99)) },
  })}\n`,
);
