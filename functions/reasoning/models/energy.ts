/**
 * The energy budget in "spoons" (Miserandino's spoon theory: a day's energy as 12
 * spoons), kept like Garmin's Body Battery: it drains with stress and activity and
 * recharges with rest and sleep. The caller carries the state between calls
 * (`FeatureVector.energy`); each call applies only the complete minutes after the
 * state's `updatedAt`, so the same window handed in twice changes nothing.
 *
 * - Each day (the wearer's calendar day, by `utcOffsetMin`) starts at
 *   12 × readiness / 100 spoons (readiness 50 → 6).
 * - Per hour: exercise −3, sustained stress −2, rest +0.5, sleep-like rest +1.5.
 *   The rates are this project's choice (no public source gives spoons per hour),
 *   sized so an hour's run costs a quarter of the day and a night refills it.
 * - Minutes of unknown state and gaps change nothing.
 */
import type { Contributor, EnergyResult, EnergyState } from '../../../protocol/models';
import type { MinuteLabel, MinuteState } from './minute-state';
import { clamp, dayOf, MINUTE_MS, round } from './stats';

export const SPOONS_PER_DAY = 12;

/** Spoons per hour by minute label. */
export const SPOON_RATES_PER_HOUR: Readonly<Record<MinuteLabel, number>> = {
  exercise: -3,
  stress: -2,
  rest: 0.5,
  sleep: 1.5,
  unknown: 0,
};

/** Spoons a day starts with at a given readiness score. */
export function startSpoons(readiness: number): number {
  return clamp((SPOONS_PER_DAY * readiness) / 100, 0, SPOONS_PER_DAY);
}

function dayStartMs(day: string, offsetMin: number): number {
  return Date.parse(`${day}T00:00:00Z`) - offsetMin * MINUTE_MS;
}

/**
 * The energy after the minutes since the last update.
 *
 * @example
 * updateEnergy(undefined, states, 70, Date.parse('2025-03-01T09:00:00Z'));
 * // { spoons: 8, level: 8.4, day: '2025-03-01', updatedAt: …, contributors: [{ name: 'dayStart', value: 70, … }] }
 */
export function updateEnergy(
  state: EnergyState | undefined,
  states: readonly MinuteState[],
  readiness: number,
  now: number,
  utcOffsetMin = 0,
): EnergyResult {
  const day = dayOf(now, utcOffsetMin);
  const contributors: Contributor[] = [];
  let level: number;
  let since: number;
  if (state === undefined || state.day !== day) {
    level = startSpoons(readiness);
    since = Math.max(dayStartMs(day, utcOffsetMin), state?.updatedAt ?? 0);
    contributors.push({ name: 'dayStart', value: readiness, baseline: 50, effect: round(level, 2), unit: 'readiness' });
  } else {
    level = state.level ?? state.spoons;
    since = state.updatedAt;
  }
  const counts: Record<MinuteLabel, number> = { exercise: 0, stress: 0, rest: 0, sleep: 0, unknown: 0 };
  let updatedAt = since;
  for (const s of states) {
    if (s.t < since || s.t + MINUTE_MS > now) continue;
    counts[s.label]++;
    level = clamp(level + SPOON_RATES_PER_HOUR[s.label] / 60, 0, SPOONS_PER_DAY);
    updatedAt = Math.max(updatedAt, s.t + MINUTE_MS);
  }
  for (const label of ['exercise', 'stress', 'rest', 'sleep'] as const) {
    if (counts[label] > 0) {
      contributors.push({ name: label, value: counts[label], baseline: null, effect: round((counts[label] * SPOON_RATES_PER_HOUR[label]) / 60, 2), unit: 'min' });
    }
  }
  return { spoons: Math.round(level), level: round(level, 4), day, updatedAt: Math.round(updatedAt), contributors };
}
