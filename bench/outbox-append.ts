/**
 * Outbox append throughput with durability on. Prints JSON.
 *
 *   node --import tsx bench/outbox-append.ts [--samples 200000] [--concurrency 1000]
 *
 * Baseline (same run): one write + fsync per sample, what an outbox without group
 * commit does. Target: ≥ 20,000 samples/s with group commit (`fsync always`).
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../common/logger';
import { type FsyncPolicy, Outbox } from '../device-agent/index';

const { values } = parseArgs({ options: { samples: { type: 'string' }, concurrency: { type: 'string' } } });
const N = Number(values.samples ?? 200_000);
const CONCURRENCY = Number(values.concurrency ?? 1_000);

const sample = (i: number) => ({ s: { t: 1_700_000_000_000 + i * 1000, hr: 60 + (i % 40), hrvRmssd: 42.5, steps: i % 3, spo2: 97 } });

async function run(fsync: FsyncPolicy, n: number): Promise<{ samplesPerSec: number; fsyncs?: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-bench-outbox-'));
  const ob = Outbox.open({ dir, logger: silentLogger(), fsync, maxBytes: 2 ** 40 });
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await ob.append(sample(next++));
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const s = (performance.now() - t0) / 1000;
  await ob.close();
  rmSync(dir, { recursive: true, force: true });
  return { samplesPerSec: Math.round(n / s) };
}

function baselineFsyncEach(n: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'pp-bench-base-'));
  const fd = openSync(join(dir, 'log'), 'a');
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    writeSync(fd, `${i}\t${JSON.stringify(sample(i))}\n`);
    fsyncSync(fd);
  }
  const s = (performance.now() - t0) / 1000;
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return Math.round(n / s);
}

const baseline = baselineFsyncEach(Math.min(N, 3_000));
const always = await run({ kind: 'always' }, N);
const interval = await run({ kind: 'interval', ms: 100 }, N);
const never = await run({ kind: 'never' }, N);
process.stdout.write(
  `${JSON.stringify(
    {
      bench: 'outbox-append',
      samples: N,
      concurrency: CONCURRENCY,
      baselineFsyncPerSampleSamplesPerSec: baseline,
      groupCommitAlwaysSamplesPerSec: always.samplesPerSec,
      intervalFsync100msSamplesPerSec: interval.samplesPerSec,
      neverFsyncSamplesPerSec: never.samplesPerSec,
      speedupOverBaseline: Math.round((always.samplesPerSec / baseline) * 10) / 10,
      target: { groupCommitAlwaysSamplesPerSec: 20_000, met: always.samplesPerSec >= 20_000 },
    },
    null,
    2,
  )}\n`,
);
