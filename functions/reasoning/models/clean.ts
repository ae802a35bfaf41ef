/**
 * Artefact rejection on raw samples (the "clean" step of a NeuroKit2-style pipeline:
 * clean → features → indices). A rejected value is left out and counted by reason,
 * never averaged in. The Task Force (1996) requires ectopic beats and artefacts to be
 * edited out before RMSSD is read; a wrist PPG gives no R–R series to edit, so the
 * rules work on the per-sample HR and RMSSD the watch reports:
 *
 * - `hr-out-of-range`: HR outside 20–250 bpm (the telemetry v1 range);
 * - `hr-jump`: HR more than 30 bpm from the median of its ±7 s neighbours — a motion
 *   artefact or a lost lock (a real rise, even at a sprint start, moves the median with it);
 * - `rmssd-out-of-range`: RMSSD above 300 ms (the telemetry v1 bound);
 * - `rmssd-spike`: RMSSD more than 2.5× the median of its ±7 s neighbours, the mark of an
 *   ectopic or missed beat inflating successive differences (a level shift moves the
 *   median, an isolated spike does not);
 * - `duplicate`: a second sample with the same timestamp.
 *
 * A sample whose HR is rejected loses its RMSSD too (both come from the same beats).
 */
import type { Sample } from '../../../protocol/telemetry';

/** A sample after cleaning: `hrBpm`/`rmssdMs` are absent when rejected or not reported. */
export interface CleanSample {
  t: number;
  hrBpm?: number;
  rmssdMs?: number;
  steps: number;
  accelG?: number;
  skinTempC?: number;
  /** true when any of the sample's values was rejected */
  rejected: boolean;
}

export interface CleanOptions {
  hrMinBpm: number;
  hrMaxBpm: number;
  /** |hr − local median| above this is a motion artefact, bpm */
  hrJumpBpm: number;
  /** rmssd above this multiple of its local median is a spike */
  rmssdSpikeFactor: number;
  rmssdMaxMs: number;
  /** neighbours on each side for the local median */
  halfWindow: number;
}

export const DEFAULT_CLEAN_OPTIONS: CleanOptions = {
  hrMinBpm: 20,
  hrMaxBpm: 250,
  hrJumpBpm: 30,
  rmssdSpikeFactor: 2.5,
  rmssdMaxMs: 300,
  halfWindow: 7,
};

export type ArtefactReason = 'hr-out-of-range' | 'hr-jump' | 'rmssd-out-of-range' | 'rmssd-spike' | 'duplicate' | 'gap';

/** Counts by reason, in a fixed order so reports are stable. */
export type DropCounts = Record<ArtefactReason, number>;

export function emptyDropCounts(): DropCounts {
  return { 'hr-out-of-range': 0, 'hr-jump': 0, 'rmssd-out-of-range': 0, 'rmssd-spike': 0, duplicate: 0, gap: 0 };
}

/**
 * The median of `values[i]`'s neighbours within ±half, itself excluded; undefined values
 * skipped. Insertion sort into `buf` (at most 2 × half values): no allocation per sample.
 */
function localMedian(values: ReadonlyArray<number | undefined>, i: number, half: number, buf: Float64Array): number | undefined {
  let n = 0;
  for (let j = Math.max(0, i - half); j <= Math.min(values.length - 1, i + half); j++) {
    const v = values[j];
    if (j === i || v === undefined) continue;
    let k = n++;
    while (k > 0 && (buf[k - 1] ?? 0) > v) {
      buf[k] = buf[k - 1] ?? 0;
      k--;
    }
    buf[k] = v;
  }
  if (n < 2) return undefined;
  const mid = n >> 1;
  return n % 2 === 1 ? buf[mid] : ((buf[mid - 1] ?? 0) + (buf[mid] ?? 0)) / 2;
}

/** Sorted by time, one sample per timestamp (later duplicates dropped and counted). */
function ordered(samples: readonly Sample[], drops: DropCounts): Sample[] {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const out: Sample[] = [];
  for (const s of sorted) {
    if (out.length > 0 && out[out.length - 1]?.t === s.t) drops.duplicate++;
    else out.push(s);
  }
  return out;
}

function rejectHr(hr: number[], i: number, o: CleanOptions, buf: Float64Array): 'hr-out-of-range' | 'hr-jump' | undefined {
  const v = hr[i] ?? Number.NaN;
  if (!(v >= o.hrMinBpm && v <= o.hrMaxBpm)) return 'hr-out-of-range';
  const m = localMedian(hr, i, o.halfWindow, buf);
  return m !== undefined && Math.abs(v - m) > o.hrJumpBpm ? 'hr-jump' : undefined;
}

function rejectRmssd(rmssd: Array<number | undefined>, i: number, o: CleanOptions, buf: Float64Array): 'rmssd-out-of-range' | 'rmssd-spike' | undefined {
  const v = rmssd[i];
  if (v === undefined) return undefined;
  if (!(v >= 0 && v <= o.rmssdMaxMs)) return 'rmssd-out-of-range';
  const m = localMedian(rmssd, i, o.halfWindow, buf);
  return m !== undefined && v > o.rmssdSpikeFactor * m ? 'rmssd-spike' : undefined;
}

/**
 * Cleans a batch of telemetry v1 samples.
 *
 * @example
 * cleanSamples([{ t: 1000, hr: 60, hrvRmssd: 45 }, { t: 2000, hr: 61, hrvRmssd: 280 }]).samples[1].rmssdMs; // 280 (too few neighbours to call it a spike)
 */
export function cleanSamples(samples: readonly Sample[], options: Partial<CleanOptions> = {}): { samples: CleanSample[]; dropped: DropCounts } {
  const o = { ...DEFAULT_CLEAN_OPTIONS, ...options };
  const dropped = emptyDropCounts();
  const sorted = ordered(samples, dropped);
  const hr = sorted.map((s) => s.hr);
  const rmssd = sorted.map((s) => s.hrvRmssd);
  const buf = new Float64Array(2 * o.halfWindow);
  const out: CleanSample[] = sorted.map((s, i) => {
    const c: CleanSample = { t: s.t, steps: s.steps ?? 0, rejected: false };
    if (s.accelG !== undefined) c.accelG = s.accelG;
    if (s.skinTempC !== undefined) c.skinTempC = s.skinTempC;
    const hrWhy = rejectHr(hr, i, o, buf);
    if (hrWhy !== undefined) {
      dropped[hrWhy]++;
      c.rejected = true;
      return c;
    }
    c.hrBpm = s.hr;
    const rmssdWhy = rejectRmssd(rmssd, i, o, buf);
    if (rmssdWhy !== undefined) {
      dropped[rmssdWhy]++;
      c.rejected = true;
    } else if (s.hrvRmssd !== undefined) c.rmssdMs = s.hrvRmssd;
    return c;
  });
  return { samples: out, dropped };
}
