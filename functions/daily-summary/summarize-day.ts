/**
 * The daily summary of one thing and UTC day, in plain steps: read the 60 days before
 * it (table `daily`) and the day's per-minute telemetry; compute the metrics with the
 * live pet's minute model against the baseline the pet had; score each metric against
 * its 30- and 60-day history; explain the day in the wearer's persona (the LLM, or the
 * template); upsert the day's record; show it in the `daily` shadow when it is the
 * latest day. Running it again for the same day writes a record of the same shape with
 * the same metrics (the LLM may word the explanation differently).
 */
import type { Logger } from '../../common/logger';
import { type DailyAnomaly, type DailyExplanation, type DailyMetrics, type DailyShadowState, DailyShadowStateSchema } from '../../protocol/daily';
import { PulsepetError } from '../../protocol/errors';
import { THING_NAME_RE } from '../../protocol/topics';
import { baselineFromDays } from '../reasoning/baseline-adapter';
import { resolveBaseline } from '../reasoning/models/index';
import { flagAnomalies, type ZScore, zScores } from './anomalies';
import { dailyMetrics } from './metrics';
import { minutesFromRows } from './minute-rows';
import type { DailyShadowPort, DailyStorePort, ExplainPort, PersonaPort, TelemetryPort } from './ports';

const DAY_MS = 86_400_000;
const HISTORY_DAYS = 60;
const SHADOW_ATTEMPTS = 3;

export interface SummarizeDeps {
  telemetry: TelemetryPort;
  daily: DailyStorePort;
  shadow: DailyShadowPort;
  persona: PersonaPort;
  explainer: ExplainPort;
  logger: Logger;
  now: () => number;
  /** epoch ms by which the run's LLM calls must be done (below the function's timeout); none: only the per-call deadline */
  explainBy?: number;
}

export interface DaySummary {
  thing: string;
  day: string;
  /** empty: no telemetry that day, nothing written */
  outcome: 'written' | 'empty';
  metrics?: DailyMetrics;
  zScores: ZScore[];
  anomalies: DailyAnomaly[];
  /** the day in words, and who worded it */
  explanation?: DailyExplanation;
  /** whether the `daily` shadow now shows this day (false when it shows a later one) */
  shadowUpdated: boolean;
  /** days of history the baseline and z-scores came from */
  historyDays: number;
}

/** The start of a YYYY-MM-DD day, UTC, epoch ms; PP_ERR_VALIDATION for a date that does not exist. */
export function dayStartMs(day: string): number {
  const t = Date.parse(`${day}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== day) {
    throw new PulsepetError('PP_ERR_VALIDATION', `not a date: ${JSON.stringify(day)} (expected YYYY-MM-DD)`);
  }
  return t;
}

/** Whether `day` is a YYYY-MM-DD naming a real UTC day (not 2026-02-30). */
export function isUtcDay(day: string): boolean {
  try {
    dayStartMs(day);
    return true;
  } catch {
    return false;
  }
}

/** The UTC day before the one `at` falls in: what a run just after midnight summarizes. */
export function previousUtcDay(at: number): string {
  return new Date(Math.floor(at / DAY_MS) * DAY_MS - DAY_MS).toISOString().slice(0, 10);
}

/** Summarizes one thing's day; see the module comment. */
export async function summarizeDay(thing: string, day: string, deps: SummarizeDeps): Promise<DaySummary> {
  if (!THING_NAME_RE.test(thing)) throw new PulsepetError('PP_ERR_VALIDATION', `invalid thing name ${JSON.stringify(thing)}`);
  const start = dayStartMs(day);
  const [history, rows] = await Promise.all([
    deps.daily.history(thing, start - HISTORY_DAYS * DAY_MS, start),
    deps.telemetry.minutes(thing, start, start + DAY_MS),
  ]);
  const totals = rows.reduce((a, r) => ({ samples: a.samples + r.samples, steps: a.steps + r.steps }), { samples: 0, steps: 0 });
  const base = { thing, day, zScores: [], anomalies: [], shadowUpdated: false, historyDays: history.length };
  if (totals.samples === 0) return { ...base, outcome: 'empty' };
  const baseline = resolveBaseline(baselineFromDays(history, start));
  const metrics = dailyMetrics(day, minutesFromRows(rows), baseline, totals);
  const scores = zScores(metrics, history, start);
  const anomalies = flagAnomalies(scores);
  const persona = await deps.persona.persona(thing);
  const explanation = await deps.explainer.explain({ thing, day, persona, metrics, anomalies, judged: scores.length > 0 }, deps.explainBy);
  const now = deps.now();
  await deps.daily.write(thing, start, { metrics, zScores: scores, explanation }, now);
  const shadowUpdated = await showLatest(thing, shadowState(metrics, anomalies, explanation, now), deps);
  deps.logger.info({ thing, day, samples: metrics.samples, anomalies: anomalies.length, explanation: explanation.source, shadowUpdated }, 'day summarized');
  return { ...base, outcome: 'written', metrics, zScores: scores, anomalies, explanation, shadowUpdated };
}

/** The `daily` shadow's reported state: the metrics, the flagged anomalies rounded for display, the explanation. */
export function shadowState(metrics: DailyMetrics, anomalies: readonly DailyAnomaly[], explanation: DailyExplanation, now: number): DailyShadowState {
  return DailyShadowStateSchema.parse({
    ...metrics,
    anomalies: anomalies.map((a) => ({
      metric: a.metric,
      windowDays: a.windowDays,
      value: Math.round(a.value * 100) / 100,
      mean: Math.round(a.mean * 100) / 100,
      z: Math.round(a.z * 10) / 10,
      direction: a.direction,
    })),
    explanation: explanation.text,
    explanationSource: explanation.source,
    updatedAt: now,
  });
}

/** Writes the day into the `daily` shadow unless it already shows a later day (version-checked). */
async function showLatest(thing: string, state: DailyShadowState, deps: SummarizeDeps): Promise<boolean> {
  for (let attempt = 0; attempt < SHADOW_ATTEMPTS; attempt++) {
    const current = await deps.shadow.read(thing);
    if (current?.day !== undefined && current.day > state.day) return false;
    if ((await deps.shadow.write(thing, state, current?.version)) === 'ok') return true;
  }
  throw new PulsepetError('PP_ERR_CONFLICT', `the daily shadow of ${thing} kept changing during the update`, { retryable: true });
}
