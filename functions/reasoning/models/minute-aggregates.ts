/**
 * Per-minute aggregates of cleaned samples (the "features" step), and the rolling
 * window the caller keeps between batches. Means are over valid values only; what
 * `clean.ts` rejected is counted in `dropped`, never averaged in.
 */
import type { MinuteAggregate } from '../../../protocol/models';
import type { Sample } from '../../../protocol/telemetry';
import { type CleanOptions, type CleanSample, cleanSamples, type DropCounts } from './clean';
import { clamp, MINUTE_MS, median, round } from './stats';

export interface MinuteOptions extends Partial<CleanOptions> {
  /** the watch's sampling interval, ms; by default the median spacing of the samples */
  intervalMs?: number;
}

/** Below this share of a minute covered by samples, its cadence is not estimated. */
const MIN_CADENCE_COVERAGE = 0.25;

function minuteStart(t: number): number {
  return Math.floor(t / MINUTE_MS) * MINUTE_MS;
}

/** The median spacing of consecutive samples, within 1 s … 60 s. */
function samplingIntervalMs(samples: readonly CleanSample[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < samples.length; i++) gaps.push((samples[i]?.t ?? 0) - (samples[i - 1]?.t ?? 0));
  return clamp(median(gaps) ?? 1000, 1000, MINUTE_MS);
}

function meanOf(xs: readonly CleanSample[], pick: (s: CleanSample) => number | undefined): number | undefined {
  let sum = 0;
  let n = 0;
  for (const s of xs) {
    const v = pick(s);
    if (v !== undefined) {
      sum += v;
      n++;
    }
  }
  return n > 0 ? sum / n : undefined;
}

/** One minute's aggregate: `cadenceSpm` = steps ÷ the minutes the samples cover. */
function aggregate(t: number, xs: readonly CleanSample[], intervalMs: number): MinuteAggregate {
  const m: MinuteAggregate = { t, n: 0, dropped: 0, steps: 0 };
  for (const s of xs) {
    m.steps += s.steps;
    if (s.hrBpm !== undefined) m.n++;
    if (s.rejected) m.dropped++;
  }
  const hr = meanOf(xs, (s) => s.hrBpm);
  const rmssd = meanOf(xs, (s) => s.rmssdMs);
  const accel = meanOf(xs, (s) => s.accelG);
  const skin = meanOf(xs, (s) => s.skinTempC);
  if (hr !== undefined) m.hrMeanBpm = round(hr, 1);
  if (rmssd !== undefined) m.hrvRmssdMs = round(rmssd, 1);
  if (accel !== undefined) m.accelG = round(accel, 3);
  if (skin !== undefined) m.skinTempC = round(skin, 2);
  const coveredMin = Math.min(1, (xs.length * intervalMs) / MINUTE_MS);
  if (coveredMin >= MIN_CADENCE_COVERAGE) m.cadenceSpm = round(m.steps / coveredMin, 1);
  return m;
}

/**
 * Cleans samples and aggregates them per minute (minute start = `t` floored to the
 * minute, epoch ms). Minutes inside the span with no sample at all are counted as
 * `gap` in `dropped`.
 *
 * @example
 * const { minutes, dropped } = minuteAggregates(batch.samples);
 * // minutes: [{ t: 1_700_000_040_000, n: 60, dropped: 0, hrMeanBpm: 62.3, hrvRmssdMs: 48.1, steps: 0, cadenceSpm: 0, … }]
 * // dropped: [{ reason: 'rmssd-spike', count: 2 }]
 */
export function minuteAggregates(
  samples: readonly Sample[],
  options: MinuteOptions = {},
): { minutes: MinuteAggregate[]; dropped: Array<{ reason: string; count: number }> } {
  const cleaned = cleanSamples(samples, options);
  const intervalMs = options.intervalMs ?? samplingIntervalMs(cleaned.samples);
  const byMinute = new Map<number, CleanSample[]>();
  for (const s of cleaned.samples) {
    const k = minuteStart(s.t);
    const list = byMinute.get(k);
    if (list === undefined) byMinute.set(k, [s]);
    else list.push(s);
  }
  const minutes = [...byMinute.entries()].sort((a, b) => a[0] - b[0]).map(([t, xs]) => aggregate(t, xs, intervalMs));
  cleaned.dropped.gap = countGaps(minutes);
  return { minutes, dropped: dropList(cleaned.dropped) };
}

function countGaps(minutes: readonly MinuteAggregate[]): number {
  if (minutes.length < 2) return 0;
  const span = ((minutes[minutes.length - 1]?.t ?? 0) - (minutes[0]?.t ?? 0)) / MINUTE_MS + 1;
  return span - minutes.length;
}

function dropList(d: DropCounts): Array<{ reason: string; count: number }> {
  return Object.entries(d)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => ({ reason, count }));
}

/** Weighted mean of two optional values (weights: the minutes' valid-sample counts). */
function combine(a: number | undefined, wa: number, b: number | undefined, wb: number, digits: number): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return wa + wb > 0 ? round((a * wa + b * wb) / (wa + wb), digits) : round((a + b) / 2, digits);
}

/** Two aggregates of the same minute (a minute split across two batches) as one; rates and means weighted by valid samples. */
export function combineMinutes(a: MinuteAggregate, b: MinuteAggregate): MinuteAggregate {
  const m: MinuteAggregate = { t: a.t, n: a.n + b.n, dropped: a.dropped + b.dropped, steps: a.steps + b.steps };
  const w = (x: MinuteAggregate) => Math.max(x.n, 1);
  const fields = [
    ['hrMeanBpm', 1],
    ['hrvRmssdMs', 1],
    ['accelG', 3],
    ['skinTempC', 2],
    ['cadenceSpm', 1],
  ] as const;
  for (const [k, digits] of fields) {
    const v = combine(a[k], w(a), b[k], w(b), digits);
    if (v !== undefined) m[k] = v;
  }
  return m;
}

/**
 * The rolling window the caller keeps (in the `reasoning` shadow): `previous` and
 * `next` merged by minute, oldest first, keeping only minutes that start within
 * `keepMs` before `now` (and none in the future). A minute present in both is
 * combined (a batch boundary inside the minute): the caller de-duplicates batches by
 * `batchId` before merging, so a batch is never merged twice.
 *
 * @example
 * state.minutes = mergeMinutes(state.minutes, minuteAggregates(batch.samples).minutes, now, 30 * 60_000);
 */
export function mergeMinutes(previous: readonly MinuteAggregate[], next: readonly MinuteAggregate[], now: number, keepMs: number): MinuteAggregate[] {
  const byT = new Map<number, MinuteAggregate>();
  for (const m of [...previous, ...next]) {
    if (m.t < now - keepMs || m.t > now) continue;
    const had = byT.get(m.t);
    byT.set(m.t, had === undefined ? m : combineMinutes(had, m));
  }
  return [...byT.values()].sort((a, b) => a.t - b.t);
}
