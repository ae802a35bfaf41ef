/**
 * The store's per-minute aggregates (one row per `bin(time, 1m)`, computed in SQL) as
 * the models' `MinuteAggregate`s. The SQL takes per-minute medians of HR and RMSSD: a
 * median ignores the isolated jumps and ectopic spikes that the models' per-sample
 * artefact rejection (clean.ts) removes, without shipping every sample out of the store.
 */
import type { MinuteAggregate } from '../../protocol/models';

const MINUTE_MS = 60_000;

/** One row of the per-minute query. */
export interface MinuteRow {
  /** minute start, epoch ms */
  t: number;
  /** rows (samples) in the minute */
  samples: number;
  /** samples with a heart rate */
  n: number;
  hrMedianBpm?: number;
  rmssdMedianMs?: number;
  steps: number;
  accelMeanG?: number;
  skinTempMeanC?: number;
}

/** Below this share of a minute covered by samples, its cadence is not estimated (as in minute-aggregates.ts). */
const MIN_CADENCE_COVERAGE = 0.25;

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * The watch's sampling interval: a minute of the densest coverage is taken as complete
 * (60 samples → 1 s), within 1 s … 60 s.
 */
export function samplingIntervalMs(rows: readonly MinuteRow[]): number {
  const densest = rows.reduce((m, r) => Math.max(m, r.samples), 0);
  return densest === 0 ? 1000 : Math.min(MINUTE_MS, Math.max(1000, MINUTE_MS / densest));
}

/**
 * Rows → minute aggregates, oldest first; cadence = steps ÷ the share of the minute the
 * samples cover, as the models compute it.
 * @example minutesFromRows([{ t, samples: 60, n: 60, hrMedianBpm: 61, steps: 0 }])[0].cadenceSpm // 0
 */
export function minutesFromRows(rows: readonly MinuteRow[]): MinuteAggregate[] {
  const intervalMs = samplingIntervalMs(rows);
  return [...rows]
    .sort((a, b) => a.t - b.t)
    .map((r) => {
      const m: MinuteAggregate = { t: r.t, n: r.n, dropped: r.samples - r.n, steps: r.steps };
      if (r.hrMedianBpm !== undefined && r.hrMedianBpm >= 20 && r.hrMedianBpm <= 250) m.hrMeanBpm = round(r.hrMedianBpm, 1);
      if (r.rmssdMedianMs !== undefined && r.rmssdMedianMs >= 0 && r.rmssdMedianMs <= 300) m.hrvRmssdMs = round(r.rmssdMedianMs, 1);
      if (r.accelMeanG !== undefined) m.accelG = round(Math.min(16, Math.max(0, r.accelMeanG)), 3);
      if (r.skinTempMeanC !== undefined && r.skinTempMeanC >= 20 && r.skinTempMeanC <= 45) m.skinTempC = round(r.skinTempMeanC, 2);
      const covered = Math.min(1, (r.samples * intervalMs) / MINUTE_MS);
      if (covered >= MIN_CADENCE_COVERAGE) m.cadenceSpm = round(r.steps / covered, 1);
      return m;
    });
}
