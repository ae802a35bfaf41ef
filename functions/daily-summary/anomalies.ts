/**
 * Each daily metric against the wearer's own normal: its z-score over the 30 and 60
 * days before the day (table `daily`), flagged at |z| ≥ 2 with a direction. A personal
 * baseline, as Oura and Whoop read HRV and resting HR; the cut-off is the usual two
 * standard deviations (≈ the outer 5 % of a normal spread).
 */
import {
  ANOMALY_METRICS,
  ANOMALY_WINDOWS_DAYS,
  ANOMALY_Z_THRESHOLD,
  type AnomalyMetric,
  type AnomalyWindowDays,
  type DailyAnomaly,
  type DailyMetrics,
} from '../../protocol/daily';

const DAY_MS = 86_400_000;

/** A stored day of history: its start (epoch ms) and whichever metrics it has. */
export type HistoryDay = { t: number } & Partial<Record<AnomalyMetric, number>>;

/** Days with the metric a window needs before its z-score means anything. */
export const MIN_BASELINE_DAYS = 7;

/**
 * Smallest spread a z-score divides by, so a very steady history cannot make a trivial
 * change look extreme (about the day-to-day noise of each measure).
 */
export const SD_FLOOR: Readonly<Record<AnomalyMetric, number>> = {
  restingHrBpm: 1,
  lnRmssdRest: 0.1,
  steps: 500,
  activeMin: 5,
  stressMin: 5,
  sleepMin: 20,
  skinTempC: 0.1,
};

/** One metric against one window: undefined when the window has fewer than 7 days of it. */
export interface ZScore {
  metric: AnomalyMetric;
  windowDays: AnomalyWindowDays;
  value: number;
  mean: number;
  sd: number;
  z: number;
}

function spread(xs: readonly number[], mean: number): number {
  return xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * The z-scores of a day's metrics against the days strictly before `dayStart` within
 * each window (sample sd, floored by {@link SD_FLOOR}).
 * @example zScores(metrics, history, Date.UTC(2024, 4, 1)) // [{ metric: 'restingHrBpm', windowDays: 30, z: 2.4, … }]
 */
export function zScores(metrics: DailyMetrics, history: readonly HistoryDay[], dayStart: number): ZScore[] {
  const out: ZScore[] = [];
  for (const metric of ANOMALY_METRICS) {
    const value = metrics[metric];
    if (value === undefined) continue;
    for (const windowDays of ANOMALY_WINDOWS_DAYS) {
      const since = dayStart - windowDays * DAY_MS;
      const xs = history.flatMap((d) => (d.t >= since && d.t < dayStart && d[metric] !== undefined ? [d[metric] as number] : []));
      if (xs.length < MIN_BASELINE_DAYS) continue;
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.max(spread(xs, mean), SD_FLOOR[metric]);
      out.push({ metric, windowDays, value, mean: round(mean, 3), sd: round(sd, 3), z: round((value - mean) / sd, 2) });
    }
  }
  return out;
}

/** The z-scores at or beyond ±2, with their direction. */
export function flagAnomalies(scores: readonly ZScore[]): DailyAnomaly[] {
  return scores
    .filter((s) => Math.abs(s.z) >= ANOMALY_Z_THRESHOLD)
    .map((s) => ({ ...s, direction: s.z > 0 ? ('high' as const) : ('low' as const) }));
}
