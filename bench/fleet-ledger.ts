/**
 * What the fleet simulator's batch ledger costs per batch. A run keeps every batch until
 * its end (duplicates and losses are counted by (thing, batchId), and the store check
 * compares the acknowledged samples with Timestream), so a long run grows by this much a
 * batch: 10,000 devices at 30-second batches make 1.2 million an hour. The ledger of
 * `simulators/` (evenly spaced sample times kept as first, step and count) against the
 * baseline of one `Float64Array` of timestamps per batch (what it kept before), each in
 * a process of its own, `--runs` times, interleaved: the heap and array-buffer bytes and
 * the RSS the process gains per batch, after GC.
 *
 *   npx tsx bench/fleet-ledger.ts [--devices 10000] [--batches-per-device 20] [--samples 30] [--runs 3]
 *
 * Prints one JSON object on stdout. Not a test: nothing is asserted.
 */
import { fork } from 'node:child_process';
import { z } from 'zod';
import { BatchLedger } from '../simulators/index';
import { benchFlags, round, spread } from './broker-support';

const flags = benchFlags(
  { devices: { type: 'string' }, 'batches-per-device': { type: 'string' }, samples: { type: 'string' }, runs: { type: 'string' }, layout: { type: 'string' } },
  z.object({
    devices: z.coerce.number().int().min(1).max(100_000).default(10_000),
    'batches-per-device': z.coerce.number().int().min(1).max(10_000).default(20),
    samples: z.coerce.number().int().min(1).max(1_000).default(30),
    runs: z.coerce.number().int().min(1).max(10).default(3),
    /** set for the child that measures one layout */
    layout: z.enum(['ledger', 'baseline']).optional(),
  }),
);

interface LayoutRun {
  layout: 'ledger' | 'baseline';
  batches: number;
  heapBytesPerBatch: number;
  arrayBufferBytesPerBatch: number;
  rssBytesPerBatch: number;
}

const T0 = 1_796_400_000_000;

/** The baseline: the entry as the ledger made it before (its input spread into it), its sample times as they are. */
function baselineEntry(thing: string, batchId: string, seq: number, times: Float64Array) {
  const e = { thing, batchId, seq, times };
  return { ...e, publishes: 0, acks: 0 };
}

function measure(layout: 'ledger' | 'baseline'): LayoutRun {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const devices = Array.from({ length: flags.devices }, (_, i) => `sim-${String(i + 1).padStart(5, '0')}`);
  const runId = '01JF0RUNBENCH';
  const ledger = new BatchLedger();
  const baseline = new Map<string, ReturnType<typeof baselineEntry>[]>();
  gc();
  const before = process.memoryUsage();
  let seq = 0;
  // batch by batch across the fleet, as the devices make them; times 1 s apart, as sampled
  for (let b = 1; b <= flags['batches-per-device']; b++) {
    for (const thing of devices) {
      const first = T0 + (b - 1) * flags.samples * 1000;
      const times = Array.from({ length: flags.samples }, (_, i) => first + i * 1000);
      const batchId = `${runId}-${b}`;
      seq++;
      if (layout === 'ledger') ledger.add({ thing, batchId, seq, times }).publishes = 1;
      else {
        let list = baseline.get(thing);
        if (list === undefined) {
          list = [];
          baseline.set(thing, list);
        }
        list.push(baselineEntry(thing, batchId, seq, Float64Array.from(times)));
      }
    }
  }
  gc();
  const after = process.memoryUsage();
  // both kept alive to here
  const kept = layout === 'ledger' ? ledger.totals().batches : [...baseline.values()].reduce((n, l) => n + l.length, 0);
  return {
    layout,
    batches: kept,
    heapBytesPerBatch: round((after.heapUsed - before.heapUsed) / seq, 0),
    arrayBufferBytesPerBatch: round((after.arrayBuffers - before.arrayBuffers) / seq, 0),
    rssBytesPerBatch: round((after.rss - before.rss) / seq, 0),
  };
}

function runChild(layout: 'ledger' | 'baseline'): Promise<LayoutRun> {
  const args = ['--devices', String(flags.devices), '--batches-per-device', String(flags['batches-per-device']), '--samples', String(flags.samples), '--layout', layout];
  return new Promise((resolve, reject) => {
    const c = fork(import.meta.filename, args, { execArgv: [...process.execArgv, '--expose-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    c.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.once('error', reject);
    c.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LayoutRun) : reject(new Error(`the ${layout} run exited with ${code}`))));
  });
}

if (flags.layout !== undefined) {
  process.stdout.write(JSON.stringify(measure(flags.layout)));
} else {
  const runs: LayoutRun[] = [];
  for (let r = 0; r < flags.runs; r++) for (const layout of ['ledger', 'baseline'] as const) runs.push(await runChild(layout));
  const of = (layout: LayoutRun['layout']) => {
    const rs = runs.filter((x) => x.layout === layout);
    return {
      heapBytesPerBatch: spread(rs.map((x) => x.heapBytesPerBatch), 0),
      arrayBufferBytesPerBatch: spread(rs.map((x) => x.arrayBufferBytesPerBatch), 0),
      rssBytesPerBatch: spread(rs.map((x) => x.rssBytesPerBatch), 0),
    };
  };
  const ledger = of('ledger');
  const baseline = of('baseline');
  const batchesPerHourAt10k = 10_000 * 120;
  console.log(
    JSON.stringify(
      {
        bench: 'fleet-ledger',
        devices: flags.devices,
        batchesPerDevice: flags['batches-per-device'],
        samplesPerBatch: flags.samples,
        runs: flags.runs,
        ledger,
        baseline,
        rssRatio: round(ledger.rssBytesPerBatch.median / baseline.rssBytesPerBatch.median, 3),
        // what a run of 10,000 devices at 30-second batches keeps for an hour of batches
        perHourAt10000DevicesMiB: {
          ledger: round((ledger.rssBytesPerBatch.median * batchesPerHourAt10k) / 2 ** 20, 0),
          baseline: round((baseline.rssBytesPerBatch.median * batchesPerHourAt10k) / 2 ** 20, 0),
        },
        note: 'bytes the process gains per batch kept, after GC; each layout in a process of its own, runs interleaved',
      },
      null,
      2,
    ),
  );
}
