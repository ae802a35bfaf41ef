/**
 * What the `reasoning` state's layout costs the shadow service at fleet size, once every
 * device carries a full state (from its 30th minute on): the real ShadowService and its
 * durable ShadowStore hold `--things` full states, then every thing's state is updated
 * once more, versioned, as the reasoning function does. Measured: the heap the store keeps
 * for them (after GC), the service's CPU per update, the journal bytes an update appends,
 * and the size of the answer. Layout 2 (one string for the window, one for the batch ids:
 * what the function writes) against layout 1 (arrays, what it wrote before) as the
 * baseline, each layout in a process of its own, `--runs` times, interleaved.
 *
 *   npx tsx bench/reasoning-state-layout.ts [--things 10000] [--runs 3]
 *
 * Prints one JSON object on stdout. Not a test: nothing is asserted.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { silentLogger } from '../common/logger';
import { ShadowService, ShadowStore } from '../local/index';
import { encodeReasoningState, RECENT_BATCHES, type ReasoningState, WINDOW_MINUTES } from '../protocol/reasoning-state';
import { benchFlags, round, spread } from './broker-support';

const flags = benchFlags(
  { things: { type: 'string' }, runs: { type: 'string' }, layout: { type: 'string' } },
  z.object({
    things: z.coerce.number().int().min(100).max(50_000).default(10_000),
    runs: z.coerce.number().int().min(1).max(10).default(3),
    /** set for the child that measures one layout */
    layout: z.enum(['1', '2']).optional(),
  }),
);

const T0 = 1_796_400_000_000;

/** A full state of `thing` after `pass` updates: 30 minutes rounded as minuteAggregates rounds them, 48 ULID-sized batch ids. */
function fullState(thing: number, pass: number): ReasoningState {
  const first = T0 + pass * 60_000;
  return {
    decision: 4_000 + pass,
    minutes: Array.from({ length: WINDOW_MINUTES }, (_, i) => ({
      t: first + i * 60_000,
      n: 60,
      dropped: (thing + i) % 3,
      hrMeanBpm: round(58 + ((thing + i) % 50) + i / 7, 1),
      hrvRmssdMs: round(35 + ((thing * 7 + i) % 30) / 3, 1),
      steps: (thing + i) % 90,
      cadenceSpm: round(((thing + i) % 90) / 1.5, 1),
      accelG: round(1 + ((thing + i) % 40) / 997, 3),
      skinTempC: round(32.5 + ((thing + i) % 20) / 13, 2),
    })),
    recentBatches: Array.from({ length: RECENT_BATCHES }, (_, i) => `01JEXQ${String(thing).padStart(6, '0')}${String(pass * 100 + i).padStart(6, '0')}VWPB2D`),
    lastStateHash: (thing * 2_654_435_761).toString(16).padStart(16, '0').slice(-16),
    energy: { day: '2026-12-06', spoons: round(7 + (thing % 40) / 10, 2), level: 7, updatedAt: first },
    baseline: { value: { days: 30, restingHrBpm: 58.2, restingHrSdBpm: 2.1, lnRmssdMean60d: 3.9, lnRmssdSd60d: 0.2 }, fetchedAt: T0 },
    counters: { batches: 4_000 + pass, petWrites: 190, storeQueries: 12 },
  };
}

const asLayout = (s: ReasoningState, layout: '1' | '2') => (layout === '2' ? encodeReasoningState(s) : { v: 1, ...s });

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  return n;
}

interface LayoutRun {
  layout: '1' | '2';
  stateBytes: number;
  heapMiB: number;
  cpuMicrosPerUpdate: number;
  journalBytesPerUpdate: number;
  answerBytes: number;
}

async function child(layout: '1' | '2', things: number): Promise<LayoutRun> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const dir = mkdtempSync(join(tmpdir(), 'pp-state-layout-'));
  try {
    // no compaction during the run: the journal's growth is what the updates append
    const store = ShadowStore.open(dir, { compactEvery: Number.MAX_SAFE_INTEGER });
    // nobody subscribes to a reasoning shadow's topics (the device policy denies them): no responses are built
    const bus = { publish: async () => {}, onPublish: () => () => {}, hasSubscribers: () => false };
    const svc = new ShadowService({ bus, store, logger: silentLogger(), limits: { requestsPerSecondPerThing: 0, maxInFlight: 0 } });
    const payloadOf = (k: number, r: number, version?: number) => JSON.stringify({ state: { reported: asLayout(fullState(k, r), layout) }, ...(version === undefined ? {} : { version }) });
    const update = async (k: number, payload: string) => {
      const res = await svc.update(`sim-${String(k).padStart(5, '0')}`, 'reasoning', payload, { via: 'http' });
      if (!res.ok) throw new Error(`update refused: ${JSON.stringify(res)}`);
      return JSON.stringify(res.body).length;
    };
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    for (let k = 0; k < things; k++) await update(k, payloadOf(k, 0));
    await store.flush();
    gc();
    const heapMiB = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
    // built beforehand: the CPU measured is the service's (and the answer's serialisation), not the client's
    const payloads = Array.from({ length: things }, (_, k) => payloadOf(k, 1, 1));
    const bytes0 = dirBytes(dir);
    let answerBytes = 0;
    const cpu0 = process.cpuUsage();
    for (let k = 0; k < things; k++) answerBytes += await update(k, payloads[k] as string);
    await store.flush();
    const cpu = process.cpuUsage(cpu0);
    const journal = dirBytes(dir) - bytes0;
    store.close();
    return {
      layout,
      stateBytes: JSON.stringify(asLayout(fullState(0, 1), layout)).length,
      heapMiB: round(heapMiB, 1),
      cpuMicrosPerUpdate: round((cpu.user + cpu.system) / things, 1),
      journalBytesPerUpdate: Math.round(journal / things),
      answerBytes: Math.round(answerBytes / things),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runChild(layout: '1' | '2'): Promise<LayoutRun> {
  return new Promise((resolve, reject) => {
    const c = fork(import.meta.filename, ['--things', String(flags.things), '--layout', layout], { execArgv: [...process.execArgv, '--expose-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    c.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.once('error', reject);
    c.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LayoutRun) : reject(new Error(`layout ${layout} run exited ${code}`))));
  });
}

const FIELDS = ['stateBytes', 'heapMiB', 'cpuMicrosPerUpdate', 'journalBytesPerUpdate', 'answerBytes'] as const;

const summary = (rs: LayoutRun[]) => Object.fromEntries(FIELDS.map((f) => [f, spread(rs.map((r) => r[f]))]));

if (flags.layout !== undefined) {
  process.stdout.write(JSON.stringify(await child(flags.layout, flags.things)));
} else {
  const runs: LayoutRun[] = [];
  for (let r = 0; r < flags.runs; r++) for (const layout of ['1', '2'] as const) runs.push(await runChild(layout));
  const baseline = summary(runs.filter((r) => r.layout === '1'));
  const measured = summary(runs.filter((r) => r.layout === '2'));
  const ratio = Object.fromEntries(FIELDS.map((f) => [f, round((measured[f]?.median ?? 0) / (baseline[f]?.median ?? 1), 3)]));
  process.stdout.write(
    `${JSON.stringify({
      bench: 'reasoning-state-layout',
      things: flags.things,
      runs: flags.runs,
      what: 'the shadow service holding every thing’s full reasoning state, and one more versioned update of each; layout 2 (strings) against layout 1 (arrays)',
      baseline: { layout: 1, ...baseline },
      measured: { layout: 2, ...measured },
      ratio,
      perRun: runs,
    })}\n`,
  );
}
