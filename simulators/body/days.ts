/**
 * Whole labelled days for seeding a wearer's history: the night's sleep from 00:00 UTC
 * (as long as the day's row says), then a working day of rest with bouts of stress and,
 * on ordinary days, an exercise session; an ill day stays at rest. The body is the
 * day's persona (history.ts `personaOnDay`), so a burnout's rising resting HR and
 * falling RMSSD, or an illness's fever, are in the samples the daily summary reads.
 */
import type { Sample } from '../../protocol/telemetry';
import { type DayRow, type History, personaOnDay } from './history';
import { createRng, deriveSeed, type Rng } from './rng';
import { playSegments, type Segment } from './scenarios';

const DAY_MIN = 1440;
const DAY_MS = 86_400_000;

/** What kind of day a row of a history is. */
export type DayKind = 'ordinary' | 'burnout' | 'illness';

/** The kind of day `i` of a history: ordinary before the onset, the history's kind from it. */
export function dayKind(h: History, i: number): DayKind {
  return i < h.onset ? 'ordinary' : h.kind;
}

/** The day's activities, 1440 minutes from 00:00 UTC. */
export function dayPlan(row: DayRow, kind: DayKind, rng: Rng): Segment[] {
  const sleep = Math.round(Math.min(660, Math.max(240, row.sleepMin)));
  const plan: Segment[] = [{ activity: 'sleep', minutes: sleep }];
  if (kind === 'illness') {
    plan.push({ activity: 'rest', minutes: DAY_MIN - sleep });
    return plan;
  }
  // a burnout has more stress and less exercise (Plews et al. 2012: training is cut back)
  const stress = kind === 'burnout' ? rng.int(60, 120) : rng.int(20, 50);
  const exercise = kind === 'burnout' ? 0 : rng.int(25, 50);
  const kindOfExercise = rng.pick(['run', 'cycle', 'hike'] as const);
  plan.push({ activity: 'rest', minutes: 90 }, { activity: 'stress', minutes: stress }, { activity: 'rest', minutes: 120 });
  if (exercise > 0) plan.push({ activity: kindOfExercise, minutes: exercise }, { activity: 'recovery', minutes: 30 });
  plan.push({ activity: 'stress', minutes: Math.round(stress / 2) });
  const used = plan.reduce((n, s) => n + s.minutes, 0);
  plan.push({ activity: 'rest', minutes: DAY_MIN - used });
  return plan;
}

/**
 * Day `i` of a history as samples at 1 Hz, re-dated to the UTC day starting `dayStartMs`.
 * @example generateDay(generateHistory('burnout', persona('office'), 3), 70, Date.UTC(2026, 0, 5), 3).length // ≈ 86,000
 */
export function generateDay(h: History, i: number, dayStartMs: number, seed: number): Sample[] {
  const row = h.rows[i];
  if (row === undefined) throw new RangeError(`day ${i} is outside the history (0..${h.rows.length - 1})`);
  if (dayStartMs % DAY_MS !== 0) throw new RangeError('a day starts at 00:00 UTC');
  const kind = dayKind(h, i);
  const rng = createRng(deriveSeed(seed, 'day', String(i), kind));
  return playSegments(`day-${kind}`, dayPlan(row, kind, rng), personaOnDay(h, i), deriveSeed(seed, String(i)), dayStartMs).samples;
}

/**
 * One sample per `intervalMs` (the first of each interval; a watch sampling slowly), with
 * the steps of the whole interval, so a day can be stored at a lower rate and still count
 * every step.
 * @example downsample(samples1Hz, 60_000).length // ≈ 1,440 for a day
 */
export function downsample(samples: readonly Sample[], intervalMs: number): Sample[] {
  if (!(intervalMs >= 1)) throw new RangeError(`interval must be ≥ 1 ms, got ${intervalMs}`);
  const out: Sample[] = [];
  let slot = Number.NaN;
  let current: Sample | undefined;
  for (const s of samples) {
    const k = Math.floor(s.t / intervalMs);
    if (k !== slot || current === undefined) {
      slot = k;
      current = { ...s, ...(s.steps !== undefined ? { steps: s.steps } : {}) };
      out.push(current);
    } else if (s.steps !== undefined) current.steps = (current.steps ?? 0) + s.steps;
  }
  return out;
}
