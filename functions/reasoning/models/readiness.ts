/**
 * Readiness 0–100 from the wearer's own normal range (Plews et al. 2013; Buchheit 2014):
 *
 *   R = clamp(50 + 15 × Σ wᵢ·sᵢ·zᵢ / Σ wᵢ, 0, 100)
 *
 * over the inputs present (weights re-normalised when one is missing), each zᵢ clamped
 * to ±3 so no single input can carry the score alone:
 * - HRV (w 0.4, s +1): z of ln RMSSD. Two parts, blended 0.7 / 0.3 when both exist:
 *   the trend — the 7-day rolling mean of daily ln RMSSD against the 60-day mean ± sd
 *   (needs ≥ 3 valid days: Plews et al. 2014), and the window — the mean ln RMSSD of the
 *   window's minutes at rest (≥ 5) against the same mean (sd floored at 0.25, a minute
 *   being noisier than a day's mean). While calibrating only the window part is used,
 *   against the population prior: never a trend.
 * - Resting HR (w 0.3, s −1): 7-day mean of daily resting HR against its baseline ± sd
 *   (personal history only).
 * - Sleep (w 0.3, s +1): 7-day mean sleep against the 60-day mean ± sd (population
 *   prior 450 ± 60 min while calibrating).
 * Fatigue pattern (Plews et al. 2013: the 7-day ln RMSSD falling out of its normal range;
 * Buchheit 2014: HRV down with resting HR up, read together): the 7-day ln RMSSD below its
 * 60-day mean and the 7-day resting HR above its own, by ≥ 1.5 sd together
 * (−zHRV7 + zRHR7; an ordinary week's two 7-day means vary by ≈ 0.53 sd together), caps R at 33.
 * Skin temperature ≥ 0.6 °C over its baseline (Oura: +1.1 °F ≈ 0.6 °C is the top of the
 * normal nightly deviation) caps R at 33, the top of the low band.
 * Bands: low ≤ 33 < normal < 67 ≤ high.
 */
import type { Confidence, Contributor, Score } from '../../../protocol/models';
import type { ResolvedBaseline } from './baseline';
import type { MinuteState } from './minute-state';
import { clamp, mean, round } from './stats';

export const READINESS = {
  scale: 15,
  weights: { hrv: 0.4, restingHr: 0.3, sleep: 0.3 },
  hrvTrendShare: 0.7,
  zLimit: 3,
  minRestMinutes: 5,
  windowLnRmssdSdFloor: 0.25,
  feverDeltaC: 0.6,
  feverCap: 33,
  /** −zHRV7 + zRHR7 from which the fatigue pattern caps R (≈ 2.8 × an ordinary week's spread of the sum) */
  fatigueCombinedSd: 1.5,
  fatigueCap: 33,
  lowMax: 33,
  highMin: 67,
} as const;

/** What the recent window says about readiness (minutes at rest only). */
export interface WindowRest {
  restMinutes: number;
  lnRmssd?: number;
  skinTempC?: number;
}

/**
 * The window's minutes at rest — every valid minute that is not exercise and not within
 * 10 min after it, stress included (which minutes count never depends on RMSSD, so a
 * lower RMSSD can only lower the mean) — with their mean ln RMSSD and skin temperature.
 */
export function windowRest(states: readonly MinuteState[]): WindowRest {
  const rest = states.filter((s) => s.label !== 'exercise' && s.label !== 'unknown' && !s.afterExercise);
  const out: WindowRest = { restMinutes: rest.length };
  const ln = mean(rest.flatMap((s) => (s.lnRmssd === undefined ? [] : [s.lnRmssd])));
  const skin = mean(rest.flatMap((s) => (s.skinTempC === undefined ? [] : [s.skinTempC])));
  if (ln !== undefined && rest.length >= READINESS.minRestMinutes) out.lnRmssd = ln;
  if (skin !== undefined) out.skinTempC = skin;
  return out;
}

/** Readiness band of a score. */
export function readinessBand(score: number): 'low' | 'normal' | 'high' {
  return score <= READINESS.lowMax ? 'low' : score < READINESS.highMin ? 'normal' : 'high';
}

interface Term {
  name: string;
  weight: number;
  sign: 1 | -1;
  z: number;
  value: number;
  baseline: number;
  unit: string;
}

const zOf = (x: number, m: number, sd: number) => clamp((x - m) / sd, -READINESS.zLimit, READINESS.zLimit);

function hrvTerm(b: ResolvedBaseline, w: WindowRest): Term | undefined {
  const trend = b.hrvTrendUsable && b.lnRmssd7d !== undefined ? zOf(b.lnRmssd7d, b.lnRmssdMean, b.lnRmssdSd) : undefined;
  const win = w.lnRmssd === undefined ? undefined : zOf(w.lnRmssd, b.lnRmssdMean, Math.max(b.lnRmssdSd, READINESS.windowLnRmssdSdFloor));
  if (trend === undefined && win === undefined) return undefined;
  const share = trend === undefined ? 0 : win === undefined ? 1 : READINESS.hrvTrendShare;
  const z = share * (trend ?? 0) + (1 - share) * (win ?? 0);
  const value = share * (b.lnRmssd7d ?? 0) + (1 - share) * (w.lnRmssd ?? 0);
  return { name: share === 1 ? 'hrv7d' : share === 0 ? 'hrvNow' : 'hrv', weight: READINESS.weights.hrv, sign: 1, z, value, baseline: b.lnRmssdMean, unit: 'ln(ms)' };
}

function terms(b: ResolvedBaseline, w: WindowRest): { present: Term[]; missing: string[] } {
  const present: Term[] = [];
  const missing: string[] = [];
  const hrv = hrvTerm(b, w);
  if (hrv !== undefined) present.push(hrv);
  else missing.push('hrv');
  if (!b.calibrating && b.restingHr7dBpm !== undefined) {
    const z = zOf(b.restingHr7dBpm, b.restingHrBpm, b.restingHrSdBpm);
    present.push({ name: 'restingHr', weight: READINESS.weights.restingHr, sign: -1, z, value: b.restingHr7dBpm, baseline: b.restingHrBpm, unit: 'bpm' });
  } else missing.push('restingHr');
  if (b.sleepMin7d !== undefined) {
    const z = zOf(b.sleepMin7d, b.sleepMinMean, b.sleepMinSd);
    present.push({ name: 'sleep', weight: READINESS.weights.sleep, sign: 1, z, value: b.sleepMin7d, baseline: b.sleepMinMean, unit: 'min' });
  } else missing.push('sleep');
  return { present, missing };
}

/**
 * The fatigue pattern's cap: the 7-day ln RMSSD below its 60-day mean and the 7-day resting
 * HR above its mean, by ≥ 1.5 sd together. Lower HRV or higher resting HR can only make it
 * apply, never lift it; listed as a contributor only when it lowers the score.
 */
function fatigueCap(b: ResolvedBaseline, score: number): { score: number; contributor?: Contributor } {
  if (!b.hrvTrendUsable || b.lnRmssd7d === undefined || b.restingHr7dBpm === undefined) return { score };
  const hrvDown = -(b.lnRmssd7d - b.lnRmssdMean) / b.lnRmssdSd;
  const rhrUp = (b.restingHr7dBpm - b.restingHrBpm) / b.restingHrSdBpm;
  const pattern = hrvDown > 0 && rhrUp > 0 && hrvDown + rhrUp >= READINESS.fatigueCombinedSd;
  if (!pattern || score <= READINESS.fatigueCap) return { score };
  const effect = round(READINESS.fatigueCap - score, 1);
  return { score: READINESS.fatigueCap, contributor: { name: 'fatigueTrend', value: round(hrvDown + rhrUp, 2), baseline: READINESS.fatigueCombinedSd, effect, unit: 'sd' } };
}

function confidenceOf(b: ResolvedBaseline, missingInputs: number): Confidence {
  if (b.calibrating || missingInputs >= 2) return 'low';
  return missingInputs === 1 ? 'medium' : 'high';
}

/**
 * Readiness with its contributors: each input's value, baseline and signed points
 * (the points plus 50 give the score before clamping and the temperature cap).
 *
 * @example
 * readinessScore(resolveBaseline({ days: 30, lnRmssdMean60d: 4, lnRmssdSd60d: 0.2, lnRmssd7d: 3.8, lnRmssd7dDays: 7 }), { restMinutes: 0 });
 * // { score: 35, band: 'normal', contributors: [{ name: 'hrv7d', value: 3.8, baseline: 4, effect: -15, … }], … }
 */
export function readinessScore(b: ResolvedBaseline, w: WindowRest, extraMissing: readonly string[] = []): Score {
  const { present, missing } = terms(b, w);
  const total = present.reduce((a, t) => a + t.weight, 0);
  const contributors: Contributor[] = present.map((t) => ({
    name: t.name,
    value: round(t.value, 2),
    baseline: round(t.baseline, 2),
    effect: round((READINESS.scale * t.weight * t.sign * t.z) / total, 1),
    unit: t.unit,
  }));
  const raw = clamp(50 + present.reduce((a, t) => a + (READINESS.scale * t.weight * t.sign * t.z) / total, 0), 0, 100);
  const fatigue = fatigueCap(b, raw);
  if (fatigue.contributor !== undefined) contributors.push(fatigue.contributor);
  let score = fatigue.score;
  if (b.skinTempC !== undefined && w.skinTempC !== undefined) {
    const delta = w.skinTempC - b.skinTempC;
    if (delta >= READINESS.feverDeltaC) score = Math.min(score, READINESS.feverCap);
    contributors.push({ name: 'skinTemp', value: round(delta, 2), baseline: 0, effect: round(score - fatigue.score, 1), unit: '°C' });
  } else missing.push('skinTemp');
  score = Math.round(score);
  return {
    score,
    band: readinessBand(score),
    contributors,
    confidence: confidenceOf(b, missing.length - (missing.includes('skinTemp') ? 1 : 0)),
    missing: [...missing, ...extraMissing],
    calibrating: b.calibrating,
  };
}
