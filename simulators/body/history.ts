/**
 * Day-by-day histories for the readiness evaluation: what the `daily` table would hold
 * (resting HR, night ln RMSSD, sleep, skin temperature per day) for 60 ordinary days,
 * followed by a 14-day burnout (ln RMSSD falling by 0.4, resting HR rising by 7 bpm,
 * sleep shrinking by 40 min: the pattern of non-functional overreaching, Plews et al.
 * 2012–2013) or by an illness onset (skin temperature +0.7–1.2 °C, ln RMSSD −0.3, resting
 * HR +6 bpm). `baselineAt` turns the rows before a day into the `Baseline` the models read.
 */
import type { Baseline } from '../../protocol/models';
import type { Persona } from './personas';
import { createRng, deriveSeed, type Rng } from './rng';

export interface DayRow {
  day: string;
  restingHrBpm: number;
  lnRmssd: number;
  sleepMin: number;
  skinTempC: number;
}

export interface History {
  kind: 'burnout' | 'illness';
  persona: Persona;
  seed: number;
  rows: DayRow[];
  /** index of the first abnormal day (day 1 of the burnout or the illness) */
  onset: number;
}

const DAY_MS = 86_400_000;
export const NORMAL_DAYS = 60;
export const BURNOUT_DAYS = 14;
export const ILLNESS_DAYS = 5;

function ordinaryDay(p: Persona, rng: Rng, t: number): DayRow {
  return {
    day: new Date(t).toISOString().slice(0, 10),
    restingHrBpm: rng.normal(p.restingHrBpm, 1.5),
    lnRmssd: rng.normal(Math.log(p.restRmssdMs), 0.12),
    sleepMin: rng.normal(p.sleepMin, 30),
    skinTempC: rng.normal(p.skinTempC, 0.15),
  };
}

/**
 * A 60-day ordinary history followed by `kind`'s abnormal days.
 *
 * @example
 * const h = generateHistory('burnout', persona('office'), 101);
 * h.rows.length; // 74; h.onset === 60
 */
export function generateHistory(kind: 'burnout' | 'illness', p: Persona, seed: number): History {
  const rng = createRng(deriveSeed(seed, 'history', kind, p.id));
  const first = Date.UTC(2025, 0, 1) + (seed % 365) * DAY_MS;
  const rows: DayRow[] = [];
  for (let i = 0; i < NORMAL_DAYS; i++) rows.push(ordinaryDay(p, rng, first + i * DAY_MS));
  const extra = kind === 'burnout' ? BURNOUT_DAYS : ILLNESS_DAYS;
  const fever = rng.uniform(0.7, 1.2);
  for (let d = 1; d <= extra; d++) {
    const row = ordinaryDay(p, rng, first + (NORMAL_DAYS + d - 1) * DAY_MS);
    if (kind === 'burnout') {
      row.lnRmssd -= (0.4 * d) / BURNOUT_DAYS;
      row.restingHrBpm += (7 * d) / BURNOUT_DAYS;
      row.sleepMin -= (40 * d) / BURNOUT_DAYS;
    } else {
      row.skinTempC += fever;
      row.lnRmssd -= 0.3;
      row.restingHrBpm += 6;
    }
    rows.push(row);
  }
  return { kind, persona: p, seed, rows, onset: NORMAL_DAYS };
}

function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, x) => a + x, 0) / Math.max(xs.length, 1);
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(xs.length - 1, 1);
  return { mean, sd: Math.sqrt(variance) };
}

/**
 * The baseline on the morning of day `i`: 60-day means ± sd of the days before it, and
 * 7-day means of the last 7 nights including last night (day i's row).
 */
export function baselineAt(rows: readonly DayRow[], i: number): Baseline {
  const past = rows.slice(Math.max(0, i - 60), i);
  const week = rows.slice(Math.max(0, i - 6), i + 1);
  if (past.length === 0) return { days: 0 };
  const ln = meanSd(past.map((r) => r.lnRmssd));
  const rhr = meanSd(past.map((r) => r.restingHrBpm));
  const sleep = meanSd(past.map((r) => r.sleepMin));
  return {
    days: past.length,
    restingHrBpm: rhr.mean,
    restingHrSdBpm: rhr.sd,
    restingHr7dBpm: meanSd(week.map((r) => r.restingHrBpm)).mean,
    lnRmssdMean60d: ln.mean,
    lnRmssdSd60d: ln.sd,
    lnRmssd7d: meanSd(week.map((r) => r.lnRmssd)).mean,
    lnRmssd7dDays: week.length,
    skinTempC: meanSd(past.map((r) => r.skinTempC)).mean,
    sleepMin7d: meanSd(week.map((r) => r.sleepMin)).mean,
    sleepMinMean60d: sleep.mean,
    sleepMinSd60d: sleep.sd,
  };
}

/**
 * The wearer as they are on day `i` of a history: the persona with that day's resting
 * HR, rest RMSSD, skin temperature and sleep, so a day's live scenario (the fleet
 * simulator's `burnout`) or a whole seeded day (days.ts) plays that day's body.
 * @example personaOnDay(generateHistory('burnout', persona('office'), 3), 73).restingHrBpm // ≈ 73
 */
export function personaOnDay(h: History, i: number): Persona {
  const row = h.rows[i];
  if (row === undefined) throw new RangeError(`day ${i} is outside the history (0..${h.rows.length - 1})`);
  return {
    ...h.persona,
    id: `${h.persona.id}-${h.kind}-${i}`,
    restingHrBpm: row.restingHrBpm,
    restRmssdMs: Math.exp(row.lnRmssd),
    skinTempC: row.skinTempC,
    sleepMin: row.sleepMin,
  };
}
