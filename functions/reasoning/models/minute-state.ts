/**
 * What each minute of the window was: exercise, stress, rest, sleep-like rest, or
 * unknown. The 5-minute stress windows (`stress.ts`), the readiness window
 * (`readiness.ts`) and the energy budget (`energy.ts`) all read these labels.
 *
 * Exercise (never stress; Garmin/Firstbeat do not rate stress during physical activity):
 * - cadence ≥ 60 steps/min (Tudor-Locke et al. 2018: 60–79 steps/min is already slow,
 *   purposeful walking; below it, incidental steps), or
 * - wrist movement ENMO = max(0, mean |a| − 1 g) ≥ 0.1 g (Hildebrand et al. 2014: ≈ 100 mg
 *   at the wrist marks moderate activity), which catches cycling and lifting without steps, or
 * - HR ≥ resting + 40 % of the HR reserve (ACSM: 40 % HRR is the floor of moderate
 *   intensity; psychological stress rarely lifts HR that far).
 *
 * Stress-like (Garmin/Firstbeat: stress = high HR with low HRV at rest): HR ≥ resting + 15
 * bpm and the minute's ln RMSSD z ≤ −1 against the wearer's baseline, more than 10 min
 * after exercise ended (the fast phase of HR recovery; Stanley, Peake & Buchheit 2013).
 * A minute is stress inside a run of stress-like minutes spanning ≥ 10 min (confirmed), or
 * inside the run still going on at the end of the window once it spans ≥ 8 min
 * (provisional: shown as stress, confirmed at 10 min or dropped if the run breaks first);
 * minutes with too few samples or no RMSSD neither count nor break a run.
 */
import type { MinuteAggregate } from '../../../protocol/models';
import type { ResolvedBaseline } from './baseline';
import { clamp, MINUTE_MS } from './stats';

export const THRESHOLDS = {
  exerciseCadenceSpm: 60,
  exerciseEnmoG: 0.1,
  exerciseHrReserve: 0.4,
  stressHrAboveRestBpm: 15,
  /** a minute continuing a stress-like run needs only this much (hysteresis, tuned on training seeds) */
  stressStayHrAboveRestBpm: 10,
  stressLnRmssdZ: -1,
  stressSustainMin: 10,
  /** an open run (still going on at the window's end) is provisional stress from this span (tuned on training seeds) */
  stressProvisionalMin: 8,
  afterExerciseLockoutMs: 10 * MINUTE_MS,
  /** a minute with fewer valid HR samples is unknown */
  minValidSamples: 3,
  /** the sd a single minute's ln RMSSD is compared with: a minute is noisier than a day's mean (tuned on training seeds) */
  minuteLnRmssdSdFloor: 0.25,
  /** sleep-like rest: still (ENMO < 0.02 g), no steps, HR within 5 bpm of resting */
  sleepEnmoG: 0.02,
  sleepHrAboveRestBpm: 5,
} as const;

export type MinuteLabel = 'exercise' | 'stress' | 'rest' | 'sleep' | 'unknown';

/** One minute with its label and the deviations the label came from. */
export interface MinuteState {
  t: number;
  label: MinuteLabel;
  hrBpm?: number;
  /** ln RMSSD z against the baseline (minute sd floor applied) */
  lnRmssdZ?: number;
  lnRmssd?: number;
  cadenceSpm?: number;
  enmoG?: number;
  skinTempC?: number;
  /** true when the minute met the stress-like conditions (before the ≥ 10 min rule) */
  stressLike: boolean;
  afterExercise: boolean;
  /** stress from a run still going on that has not yet spanned 10 minutes */
  provisional?: boolean;
  /** minutes spanned by the stress-like run this minute belongs to (stress minutes only) */
  runMin?: number;
}

/** ENMO of a minute's mean acceleration magnitude, g (van Hees et al. 2013's Euclidean norm minus one). */
export function enmoG(accelG: number | undefined): number | undefined {
  return accelG === undefined ? undefined : Math.max(0, accelG - 1);
}

/** The minute's ln RMSSD z-score against the baseline. */
export function lnRmssdZ(rmssdMs: number, b: ResolvedBaseline): number {
  return (Math.log(Math.max(rmssdMs, 1)) - b.lnRmssdMean) / Math.max(b.lnRmssdSd, THRESHOLDS.minuteLnRmssdSdFloor);
}

/** Whether a minute with valid HR is exercise. */
export function isExerciseMinute(m: MinuteAggregate, b: ResolvedBaseline): boolean {
  const hr = m.hrMeanBpm ?? 0;
  const reserveFloor = b.restingHrBpm + THRESHOLDS.exerciseHrReserve * Math.max(b.hrMaxBpm - b.restingHrBpm, 1);
  return (m.cadenceSpm ?? 0) >= THRESHOLDS.exerciseCadenceSpm || (enmoG(m.accelG) ?? 0) >= THRESHOLDS.exerciseEnmoG || hr >= reserveFloor;
}

function baseState(m: MinuteAggregate, b: ResolvedBaseline): MinuteState {
  const s: MinuteState = { t: m.t, label: 'unknown', stressLike: false, afterExercise: false };
  if (m.hrMeanBpm !== undefined) s.hrBpm = m.hrMeanBpm;
  if (m.hrvRmssdMs !== undefined && m.hrvRmssdMs > 0) {
    s.lnRmssd = Math.log(m.hrvRmssdMs);
    s.lnRmssdZ = lnRmssdZ(m.hrvRmssdMs, b);
  }
  if (m.cadenceSpm !== undefined) s.cadenceSpm = m.cadenceSpm;
  const enmo = enmoG(m.accelG);
  if (enmo !== undefined) s.enmoG = enmo;
  if (m.skinTempC !== undefined) s.skinTempC = m.skinTempC;
  return s;
}

function restLabel(s: MinuteState, b: ResolvedBaseline): 'rest' | 'sleep' {
  const still = (s.cadenceSpm ?? 0) === 0 && s.enmoG !== undefined && s.enmoG < THRESHOLDS.sleepEnmoG;
  return still && (s.hrBpm ?? Number.POSITIVE_INFINITY) <= b.restingHrBpm + THRESHOLDS.sleepHrAboveRestBpm ? 'sleep' : 'rest';
}

/** Labels each minute (oldest first) and returns the end of the latest exercise, if any. */
export function classifyMinutes(
  minutes: readonly MinuteAggregate[],
  b: ResolvedBaseline,
  lastExerciseEndedAt?: number,
): { states: MinuteState[]; lastExerciseEndedAt?: number } {
  let exerciseEnd = lastExerciseEndedAt;
  const states = [...minutes]
    .sort((x, y) => x.t - y.t)
    .map((m) => {
      const s = baseState(m, b);
      if (m.n < THRESHOLDS.minValidSamples || m.hrMeanBpm === undefined) return s;
      if (isExerciseMinute(m, b)) {
        s.label = 'exercise';
        exerciseEnd = Math.max(exerciseEnd ?? 0, m.t + MINUTE_MS);
        return s;
      }
      s.afterExercise = exerciseEnd !== undefined && m.t < exerciseEnd + THRESHOLDS.afterExerciseLockoutMs;
      s.stressLike =
        !s.afterExercise &&
        m.hrMeanBpm >= b.restingHrBpm + THRESHOLDS.stressHrAboveRestBpm &&
        s.lnRmssdZ !== undefined &&
        s.lnRmssdZ <= THRESHOLDS.stressLnRmssdZ;
      s.label = restLabel(s, b);
      return s;
    });
  continueStressRuns(states, b);
  markSustainedStress(states);
  const out: { states: MinuteState[]; lastExerciseEndedAt?: number } = { states };
  if (exerciseEnd !== undefined) out.lastExerciseEndedAt = exerciseEnd;
  return out;
}

/** A minute that can neither count towards nor break a stress run. */
function neutral(s: MinuteState): boolean {
  return s.label === 'unknown' || (s.lnRmssdZ === undefined && !s.afterExercise);
}

/**
 * Hysteresis: once a stress-like run has started (HR ≥ resting + 15), a minute with low
 * RMSSD continues it while HR stays ≥ resting + 10, so a minute's HR dipping just under
 * the entry threshold does not restart the count. Exercise and the lockout after it still break it.
 */
function continueStressRuns(states: MinuteState[], b: ResolvedBaseline): void {
  if (b.calibrating) return;
  let inRun = false;
  for (const s of states) {
    if (neutral(s)) continue;
    if (!s.stressLike && inRun && s.label !== 'exercise' && !s.afterExercise) {
      s.stressLike =
        (s.hrBpm ?? 0) >= b.restingHrBpm + THRESHOLDS.stressStayHrAboveRestBpm && s.lnRmssdZ !== undefined && s.lnRmssdZ <= THRESHOLDS.stressLnRmssdZ;
    }
    inRun = s.stressLike;
  }
}

/**
 * Relabels as stress the stress-like minutes in runs spanning ≥ 10 minutes, and those of
 * the run still open at the end (no breaking minute after it) once it spans ≥ 8 minutes.
 */
function markSustainedStress(states: MinuteState[]): void {
  let run: MinuteState[] = [];
  const close = (open: boolean) => {
    const first = run[0];
    const last = run[run.length - 1];
    const spanMin = first === undefined || last === undefined ? 0 : (last.t + MINUTE_MS - first.t) / MINUTE_MS;
    const confirmed = spanMin >= THRESHOLDS.stressSustainMin;
    if (confirmed || (open && spanMin >= THRESHOLDS.stressProvisionalMin)) {
      for (const s of run) {
        s.label = 'stress';
        s.runMin = spanMin;
        if (!confirmed) s.provisional = true;
      }
    }
    run = [];
  };
  for (const s of states) {
    if (s.stressLike) run.push(s);
    else if (!neutral(s)) close(false);
  }
  close(true);
}

/** The stress index of a non-exercise minute: mean of −z(ln RMSSD) and ΔHR/15, each clamped to [−1, 3]. */
export function stressIndex(s: MinuteState, b: ResolvedBaseline): number | undefined {
  if (s.hrBpm === undefined) return undefined;
  const hrPart = clamp((s.hrBpm - b.restingHrBpm) / THRESHOLDS.stressHrAboveRestBpm, -1, 3);
  if (s.lnRmssdZ === undefined) return hrPart;
  return (clamp(-s.lnRmssdZ, -1, 3) + hrPart) / 2;
}
