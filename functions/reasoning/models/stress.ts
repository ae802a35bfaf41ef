/**
 * Stress vs exercise per 5-minute window, with a 0–100 stress level in Garmin's
 * bands (0–25 rest, 26–50 low, 51–75 medium, 76–100 high). Windows end at the minute
 * in progress at `now` and step back 5 minutes at a time, so the last window is the
 * wearer's current state.
 *
 * A window is `unknown` with fewer than 3 valid minutes; `exercise` when ≥ 2 of its
 * valid minutes are exercise (never stress); `stress` when at least half its valid
 * minutes are sustained stress — confirmed (≥ 10 min) or provisional (an ongoing run of
 * ≥ 8 min; `minute-state.ts`); `rest` otherwise. Contributor `stressMinutes` says how long.
 *
 * Level = clamp(25 + 26 × mean stress index, 0, 100), the index being the mean of
 * −z(ln RMSSD) and (HR − resting)/15 bpm: 25 (the top of "rest") at baseline, 51 (the
 * start of "medium") exactly at the stress thresholds. A stress window is at least 51,
 * a rest window at most 50; exercise windows are 0 (Garmin does not rate stress during
 * activity).
 */
import type { Contributor, StressBand, StressResult, StressState, StressWindow } from '../../../protocol/models';
import type { ResolvedBaseline } from './baseline';
import { type MinuteState, stressIndex, THRESHOLDS } from './minute-state';
import { clamp, MINUTE_MS, mean, round } from './stats';

export const WINDOW_MS = 5 * MINUTE_MS;
const MIN_VALID_MINUTES = 3;
const MIN_EXERCISE_MINUTES = 2;

/** Garmin's band of a 0–100 stress level. */
export function stressBand(level: number): StressBand {
  return level <= 25 ? 'rest' : level <= 50 ? 'low' : level <= 75 ? 'medium' : 'high';
}

function windowState(valid: readonly MinuteState[]): StressState {
  if (valid.length < MIN_VALID_MINUTES) return 'unknown';
  if (valid.filter((s) => s.label === 'exercise').length >= MIN_EXERCISE_MINUTES) return 'exercise';
  return valid.filter((s) => s.label === 'stress').length * 2 >= valid.length ? 'stress' : 'rest';
}

function windowLevel(state: StressState, valid: readonly MinuteState[], b: ResolvedBaseline): number {
  if (state === 'exercise' || state === 'unknown') return 0;
  const idx = valid.filter((s) => s.label !== 'exercise').map((s) => stressIndex(s, b));
  const level = clamp(25 + 26 * (mean(idx.filter((x): x is number => x !== undefined)) ?? 0), 0, 100);
  return Math.round(state === 'stress' ? Math.max(level, 51) : Math.min(level, 50));
}

/** The 5-minute windows over the labelled minutes, oldest first, the last ending with the minute in progress at `now`. */
export function stressWindows(states: readonly MinuteState[], b: ResolvedBaseline, now: number): StressWindow[] {
  const first = states[0];
  if (first === undefined) return [];
  const end = Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const windows: StressWindow[] = [];
  for (let to = end; to > first.t; to -= WINDOW_MS) {
    const from = to - WINDOW_MS;
    const valid = states.filter((s) => s.t >= from && s.t < to && s.label !== 'unknown');
    const state = windowState(valid);
    windows.push({ from, to, state, level: windowLevel(state, valid, b) });
  }
  return windows.reverse();
}

function contributors(last: readonly MinuteState[], b: ResolvedBaseline, lastExerciseEndedAt: number | undefined, now: number): Contributor[] {
  const hr = mean(last.flatMap((s) => (s.hrBpm === undefined ? [] : [s.hrBpm])));
  const ln = mean(last.flatMap((s) => (s.lnRmssd === undefined ? [] : [s.lnRmssd])));
  const z = mean(last.flatMap((s) => (s.lnRmssdZ === undefined ? [] : [s.lnRmssdZ])));
  const cadence = mean(last.flatMap((s) => (s.cadenceSpm === undefined ? [] : [s.cadenceSpm])));
  const enmo = mean(last.flatMap((s) => (s.enmoG === undefined ? [] : [s.enmoG])));
  const hrPart = hr === undefined ? 0 : clamp((hr - b.restingHrBpm) / THRESHOLDS.stressHrAboveRestBpm, -1, 3);
  const out: Contributor[] = [
    { name: 'heartRate', value: hr === undefined ? null : round(hr, 1), baseline: b.restingHrBpm, effect: round(13 * hrPart, 1), unit: 'bpm' },
    { name: 'lnRmssd', value: ln === undefined ? null : round(ln, 2), baseline: round(b.lnRmssdMean, 2), effect: round(z === undefined ? 0 : 13 * clamp(-z, -1, 3), 1), unit: 'ln(ms)' },
    { name: 'cadence', value: cadence === undefined ? null : round(cadence, 0), baseline: THRESHOLDS.exerciseCadenceSpm, effect: 0, unit: 'steps/min' },
    { name: 'movement', value: enmo === undefined ? null : round(enmo, 3), baseline: THRESHOLDS.exerciseEnmoG, effect: 0, unit: 'g' },
  ];
  const runMin = Math.max(0, ...last.map((s) => s.runMin ?? 0));
  if (runMin > 0) {
    // how long the stress has lasted: provisional below 10 min, confirmed from 10
    out.push({ name: 'stressMinutes', value: runMin, baseline: THRESHOLDS.stressSustainMin, effect: 0, unit: 'min' });
  }
  if (lastExerciseEndedAt !== undefined) {
    out.push({ name: 'minutesSinceExercise', value: Math.max(0, Math.round((now - lastExerciseEndedAt) / MINUTE_MS)), baseline: 10, effect: 0, unit: 'min' });
  }
  return out;
}

/**
 * The current stress state and level, the windows behind it, and its contributors
 * (the last window's mean HR and ln RMSSD against the baseline, with their points
 * on the level; cadence and movement, which decide exercise, with no points).
 */
export function stressResult(states: readonly MinuteState[], b: ResolvedBaseline, now: number, lastExerciseEndedAt?: number): StressResult {
  const windows = stressWindows(states, b, now);
  const last = windows[windows.length - 1];
  const state = last?.state ?? 'unknown';
  const level = last?.level ?? 0;
  const lastMinutes = last === undefined ? [] : states.filter((s) => s.t >= last.from && s.t < last.to && s.label !== 'unknown');
  return { state, level, band: stressBand(level), windows, contributors: contributors(lastMinutes, b, lastExerciseEndedAt, now) };
}
