/**
 * A day's metrics from its per-minute aggregates, labelled by the same minute model the
 * live pet uses (`classifyMinutes`), so the day's stress minutes are the minutes the pet
 * showed as stress. Definitions and sources: functions/daily-summary/README.md.
 */
import type { DailyMetrics } from '../../protocol/daily';
import type { MinuteAggregate } from '../../protocol/models';
import { classifyMinutes, type MinuteState, type ResolvedBaseline } from '../reasoning/models/index';

const MINUTE_MS = 60_000;

export const DAILY_RULES = {
  /** resting HR: the lowest mean over a 30-minute window of rest/sleep minutes (Garmin's definition) */
  restingWindowMin: 30,
  /** …holding at least this many rest/sleep minutes with a heart rate */
  restingMinMinutes: 20,
  /** sleep minutes closer than this belong to one sleep period (short awakenings) */
  sleepBridgeMin: 15,
  /** a sleep period counts from this many sleep minutes on (shorter still spells are rest, not sleep) */
  sleepMinPeriodMin: 60,
  /** a day without a sleep period reports 0 sleep only when this many minutes were read; otherwise unknown */
  sleepCoverageMin: 720,
  /** ln RMSSD is the night's (sleep minutes) when it has at least this many, else the day's rest */
  nightRmssdMinMinutes: 30,
  restRmssdMinMinutes: 10,
} as const;

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
const meanOf = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Minutes the resting HR and rest HRV may come from: rest or sleep, not in an exercise's recovery. */
function atRest(s: MinuteState): boolean {
  return (s.label === 'rest' || s.label === 'sleep') && !s.afterExercise;
}

/**
 * The lowest mean heart rate over any 30-minute window holding ≥ 20 rest/sleep minutes
 * (states oldest first); undefined when no window qualifies.
 * @example restingHrBpm(states) // 54.2
 */
export function restingHrBpm(states: readonly MinuteState[]): number | undefined {
  const rest = states.filter((s) => atRest(s) && s.hrBpm !== undefined);
  let best: number | undefined;
  let sum = 0;
  let hi = 0;
  for (let lo = 0; lo < rest.length; lo++) {
    const start = rest[lo]?.t ?? 0;
    while (hi < rest.length && (rest[hi]?.t ?? 0) < start + DAILY_RULES.restingWindowMin * MINUTE_MS) sum += rest[hi++]?.hrBpm ?? 0;
    const n = hi - lo;
    if (n >= DAILY_RULES.restingMinMinutes) best = Math.min(best ?? Number.POSITIVE_INFINITY, sum / n);
    sum -= rest[lo]?.hrBpm ?? 0;
  }
  return best === undefined ? undefined : round(best, 1);
}

/** Sleep periods: runs of sleep minutes whose gaps are ≤ 15 minutes, each as its sleep minutes. */
export function sleepPeriods(states: readonly MinuteState[]): MinuteState[][] {
  const periods: MinuteState[][] = [];
  let current: MinuteState[] = [];
  for (const s of states) {
    if (s.label !== 'sleep') continue;
    const last = current[current.length - 1];
    if (last !== undefined && s.t - (last.t + MINUTE_MS) > DAILY_RULES.sleepBridgeMin * MINUTE_MS) {
      periods.push(current);
      current = [];
    }
    current.push(s);
  }
  if (current.length > 0) periods.push(current);
  return periods;
}

/**
 * Minutes asleep: the sleep minutes of periods with ≥ 60 of them; 0 when none and the
 * day was read for ≥ 12 h, undefined when too little of the day was read to tell.
 */
export function sleepMin(states: readonly MinuteState[]): number | undefined {
  const asleep = sleepPeriods(states)
    .filter((p) => p.length >= DAILY_RULES.sleepMinPeriodMin)
    .reduce((n, p) => n + p.length, 0);
  if (asleep > 0) return asleep;
  const read = states.filter((s) => s.label !== 'unknown').length;
  return read >= DAILY_RULES.sleepCoverageMin ? 0 : undefined;
}

/** The minutes the day's rest HRV and skin temperature are read from: the night's sleep, else the day's rest. */
export function restMinutes(states: readonly MinuteState[]): { source: 'night' | 'rest'; minutes: MinuteState[] } | undefined {
  const asleep = sleepPeriods(states)
    .filter((p) => p.length >= DAILY_RULES.sleepMinPeriodMin)
    .flat();
  if (asleep.filter((s) => s.lnRmssd !== undefined).length >= DAILY_RULES.nightRmssdMinMinutes) return { source: 'night', minutes: asleep };
  const rest = states.filter(atRest);
  return rest.filter((s) => s.lnRmssd !== undefined).length >= DAILY_RULES.restRmssdMinMinutes ? { source: 'rest', minutes: rest } : undefined;
}

/** What the day's telemetry holds beyond its minutes: every sample and step, counted in the store. */
export interface DayTotals {
  samples: number;
  steps: number;
}

/**
 * The day's metrics from its minutes (any order), with the wearer's baseline as the
 * live pet would have had it at the start of the day.
 * @example dailyMetrics('2024-05-01', minutes, resolveBaseline(baseline), { samples: 86_400, steps: 9_120 })
 */
export function dailyMetrics(day: string, minutes: readonly MinuteAggregate[], baseline: ResolvedBaseline, totals: DayTotals): DailyMetrics {
  const { states } = classifyMinutes(minutes, baseline);
  const m: DailyMetrics = {
    day,
    steps: totals.steps,
    activeMin: states.filter((s) => s.label === 'exercise').length,
    stressMin: states.filter((s) => s.label === 'stress').length,
    samples: totals.samples,
  };
  const rhr = restingHrBpm(states);
  if (rhr !== undefined) m.restingHrBpm = rhr;
  const sleep = sleepMin(states);
  if (sleep !== undefined) m.sleepMin = sleep;
  const rest = restMinutes(states);
  if (rest !== undefined) {
    m.lnRmssdRest = round(Math.min(8, Math.max(0, meanOf(rest.minutes.flatMap((s) => (s.lnRmssd === undefined ? [] : [s.lnRmssd]))))), 3);
    const skin = rest.minutes.flatMap((s) => (s.skinTempC === undefined ? [] : [s.skinTempC]));
    if (skin.length > 0) m.skinTempC = round(meanOf(skin), 2);
  }
  return m;
}
