/**
 * The evaluation: every scenario × persona × held-out seed replayed through the models,
 * scored against the ground truth per 5-minute window, plus the readiness trend on the
 * burnout histories and the temperature cap on the illness histories. Returns plain
 * JSON; `run.ts` prints it.
 */
import type { Baseline } from '../../../protocol/models';
import { minuteAggregates, predict } from '../models';
import type { Activity } from '../../../simulators/body/activities';
import { BURNOUT_DAYS, baselineAt, generateHistory, type History } from '../../../simulators/body/history';
import { emptyConfusion, type Figures, figures } from './metrics';
import { PERSONAS, personalBaseline } from '../../../simulators/body/personas';
import { replay } from './replay';
import { generateScenario, SCENARIOS, type Scenario } from '../../../simulators/body/scenarios';

/** Seeds used while choosing thresholds (1–5; 6–20 added for the burnout histories); never reported as results. */
export const TUNING_SEEDS: readonly number[] = Array.from({ length: 20 }, (_, i) => i + 1);
/** Held-out seeds the reported figures come from. */
export const HELD_OUT_SEEDS: readonly number[] = [101, 102, 103, 104, 105, 106, 107, 108, 109, 110];


type Mode = 'online' | 'delayed';

function classification(runs: ReadonlyArray<{ scenario: Scenario; baseline: Baseline }>) {
  const conf = { online: emptyConfusion(), delayed: emptyConfusion() };
  const byActivity: Partial<Record<Activity, Record<string, number>>> = {};
  for (const { scenario, baseline } of runs) {
    for (const o of replay(scenario, baseline).outcomes) {
      for (const mode of ['online', 'delayed'] as Mode[]) conf[mode][o.truth.label][o[mode]]++;
      const row = byActivity[o.truth.activity] ?? { rest: 0, exercise: 0, stress: 0, unknown: 0 };
      row[o.online] = (row[o.online] ?? 0) + 1;
      byActivity[o.truth.activity] = row;
    }
  }
  const rec = byActivity.recovery;
  const recTotal = rec === undefined ? 0 : Object.values(rec).reduce((a, x) => a + x, 0);
  return {
    online: figures(conf.online),
    delayed10min: figures(conf.delayed),
    onlineByActivity: byActivity,
    recoveryCalledStress: rec === undefined || recTotal === 0 ? 0 : Math.round(((rec.stress ?? 0) / recTotal) * 1000) / 1000,
  };
}

const BAND_RANK = { low: 0, normal: 1, high: 2 } as const;

/** Readiness on the morning of each day from the onset's eve, from a 20-minute rest window. */
function readinessByDay(h: History, seed: number): Array<{ day: number; score: number; band: 'low' | 'normal' | 'high' }> {
  const out: Array<{ day: number; score: number; band: 'low' | 'normal' | 'high' }> = [];
  for (let i = h.onset - 1; i < h.rows.length; i++) {
    const row = h.rows[i];
    if (row === undefined) continue;
    const dayPersona = { ...h.persona, restRmssdMs: Math.exp(row.lnRmssd), restingHrBpm: row.restingHrBpm, skinTempC: row.skinTempC };
    const s = generateScenario('rest', dayPersona, seed + i * 7919);
    const windowEnd = s.start + 20 * 60_000;
    const minutes = minuteAggregatesOf(s, windowEnd);
    const p = predict({ now: windowEnd - 1, minutes, baseline: baselineAt(h.rows, i) });
    out.push({ day: i - h.onset + 1, score: p.readiness.score, band: p.readiness.band });
  }
  return out;
}

function minuteAggregatesOf(s: Scenario, end: number) {
  return minuteAggregates(s.samples.filter((x) => x.t < end)).minutes;
}

function burnout(seeds: readonly number[]) {
  const days = Array.from({ length: BURNOUT_DAYS + 1 }, () => [] as number[]);
  let fell = 0;
  let lowBy10 = 0;
  let n = 0;
  for (const seed of seeds) {
    for (const p of PERSONAS) {
      const series = readinessByDay(generateHistory('burnout', p, seed), seed);
      for (const d of series) days[d.day]?.push(d.score);
      const eve = series.find((d) => d.day === 0);
      const day10 = series.find((d) => d.day === 10);
      if (eve === undefined || day10 === undefined) continue;
      n++;
      if (BAND_RANK[day10.band] < BAND_RANK[eve.band]) fell++;
      if (series.some((d) => d.day >= 1 && d.day <= 10 && d.band === 'low')) lowBy10++;
    }
  }
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    histories: n,
    bandFellByDay10: r3(fell / Math.max(n, 1)),
    lowBandReachedByDay10: r3(lowBy10 / Math.max(n, 1)),
    meanScoreByDay: days.map((xs) => r3(xs.reduce((a, x) => a + x, 0) / Math.max(xs.length, 1))),
  };
}

function illness(seeds: readonly number[]) {
  let n = 0;
  let lowOnDay1 = 0;
  for (const seed of seeds) {
    for (const p of PERSONAS) {
      const day1 = readinessByDay(generateHistory('illness', p, seed), seed).find((d) => d.day === 1);
      if (day1 === undefined) continue;
      n++;
      if (day1.band === 'low') lowOnDay1++;
    }
  }
  return { histories: n, lowBandOnDay1: Math.round((lowOnDay1 / Math.max(n, 1)) * 1000) / 1000 };
}

export interface Evaluation {
  seeds: readonly number[];
  heldOut: boolean;
  scenarios: string[];
  personas: string[];
  personal: ReturnType<typeof classification>;
  calibrating: { online: Figures; recoveryCalledStress: number };
  burnout: ReturnType<typeof burnout>;
  illness: ReturnType<typeof illness>;
}

/** Runs the whole evaluation on `seeds`. */
export function evaluate(seeds: readonly number[] = HELD_OUT_SEEDS): Evaluation {
  const scenarios = Object.keys(SCENARIOS);
  const runs = seeds.flatMap((seed) => scenarios.flatMap((name) => PERSONAS.map((p) => ({ scenario: generateScenario(name, p, seed), persona: p }))));
  const personal = classification(runs.map((r) => ({ scenario: r.scenario, baseline: personalBaseline(r.persona) })));
  const fresh = classification(runs.map((r) => ({ scenario: r.scenario, baseline: { days: 0 } })));
  return {
    seeds,
    heldOut: seeds.every((s) => !TUNING_SEEDS.includes(s)),
    scenarios,
    personas: PERSONAS.map((p) => p.id),
    personal,
    calibrating: { online: fresh.online, recoveryCalledStress: fresh.recoveryCalledStress },
    burnout: burnout(seeds),
    illness: illness(seeds),
  };
}
