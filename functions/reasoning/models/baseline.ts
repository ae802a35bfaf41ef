/**
 * Population priors and the wearer's resolved baseline. Every model reads the
 * baseline through `resolveBaseline`, so a missing field is never a crash: it falls
 * back to the prior below and is reported as such.
 */
import type { Baseline } from '../../../protocol/models';

/** Days of history before a wearer leaves calibration (Plews et al. 2014: ≥ 3 valid days a week). */
export const MIN_BASELINE_DAYS = 3;

/**
 * Population priors for healthy adults.
 * - ln RMSSD: Nunan, Sandercock & Brodie 2010 (44 studies, 21 438 adults): short-term
 *   RMSSD 42 ± 15 ms → ln 42 = 3.74; sd on the ln scale ≈ 15 / 42 = 0.36.
 * - Resting HR 62 ± 3 bpm: a typical adult resting value; the sd is a day-to-day
 *   spread, an assumption (documented in the README), used only for z-scores.
 * - Sleep 450 ± 60 min: the ≥ 7 h adults need (Watson et al. 2015, AASM/SRS consensus),
 *   centred at 7.5 h.
 * - HRmax 185 bpm: Tanaka, Monahan & Seals 2001, 208 − 0.7 × age at age 33.
 * - Skin temperature has no prior: wrist temperature differs too much between people
 *   and sites to compare a wearer with a population.
 */
export function populationBaseline(): Baseline {
  return {
    days: 0,
    restingHrBpm: 62,
    restingHrSdBpm: 3,
    lnRmssdMean60d: Math.log(42),
    lnRmssdSd60d: 0.36,
    sleepMinMean60d: 450,
    sleepMinSd60d: 60,
    hrMaxBpm: 185,
  };
}

/** A baseline with every field the models need, and where each came from. */
export interface ResolvedBaseline {
  days: number;
  restingHrBpm: number;
  restingHrSdBpm: number;
  restingHr7dBpm?: number;
  lnRmssdMean: number;
  lnRmssdSd: number;
  lnRmssd7d?: number;
  skinTempC?: number;
  sleepMin7d?: number;
  sleepMinMean: number;
  sleepMinSd: number;
  hrMaxBpm: number;
  /** fewer than MIN_BASELINE_DAYS days: population priors, low confidence, no trend */
  calibrating: boolean;
  /** the 7-day ln RMSSD may be read as a trend (≥ 3 valid days, not calibrating) */
  hrvTrendUsable: boolean;
  /** fields taken from the population priors */
  fromPriors: string[];
}

/** Smallest sd a z-score divides by, so a very steady history cannot make tiny changes look huge. */
const SD_FLOOR = { lnRmssd: 0.1, restingHrBpm: 1, sleepMin: 20 } as const;

/**
 * Fills the wearer's baseline from the priors where a field is missing. While
 * calibrating, personal means from fewer than 3 days are ignored altogether (too few
 * days to be a normal range).
 *
 * @example
 * resolveBaseline({ days: 1 }).calibrating; // true, every field from the priors
 */
export function resolveBaseline(b: Baseline): ResolvedBaseline {
  const prior = populationBaseline();
  const calibrating = b.days < MIN_BASELINE_DAYS;
  const own: Baseline = calibrating ? { days: b.days, sleepMin7d: b.sleepMin7d } : b;
  const fromPriors: string[] = [];
  const pick = (k: keyof Baseline): number => {
    const v = own[k];
    if (v !== undefined) return v;
    fromPriors.push(k);
    return prior[k] ?? 0;
  };
  const r: ResolvedBaseline = {
    days: b.days,
    restingHrBpm: pick('restingHrBpm'),
    restingHrSdBpm: Math.max(pick('restingHrSdBpm'), SD_FLOOR.restingHrBpm),
    lnRmssdMean: pick('lnRmssdMean60d'),
    lnRmssdSd: Math.max(pick('lnRmssdSd60d'), SD_FLOOR.lnRmssd),
    sleepMinMean: pick('sleepMinMean60d'),
    sleepMinSd: Math.max(pick('sleepMinSd60d'), SD_FLOOR.sleepMin),
    hrMaxBpm: pick('hrMaxBpm'),
    calibrating,
    hrvTrendUsable: !calibrating && own.lnRmssd7d !== undefined && (own.lnRmssd7dDays ?? MIN_BASELINE_DAYS) >= MIN_BASELINE_DAYS,
    fromPriors,
  };
  if (own.restingHr7dBpm !== undefined) r.restingHr7dBpm = own.restingHr7dBpm;
  if (own.lnRmssd7d !== undefined) r.lnRmssd7d = own.lnRmssd7d;
  if (own.skinTempC !== undefined) r.skinTempC = own.skinTempC;
  if (own.sleepMin7d !== undefined) r.sleepMin7d = own.sleepMin7d;
  return r;
}
