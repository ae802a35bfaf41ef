/**
 * The coach benches' fleet replay and figures: every day plan × wearer × seed replayed
 * (bench/coach-replay.ts), then distributions over device-days — LLM calls, cached
 * answers, budget skips by reason, state changes — per plan and overall.
 */
import type { AvatarPort, CoachLimits, LlmCoach } from '../functions/index';
import { BODY_PERSONAS as PERSONAS } from '../simulators/index';
import { PERSONAS as COACH_PERSONAS } from '../protocol/shadows';
import { round } from './broker-support';
import { type DeviceDay, dayPlans, replayDevice } from './coach-replay';

export interface Distribution {
  min: number;
  p50: number;
  p90: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles and the mean (zeros for no values). */
export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { min: 0, p50: 0, p90: 0, max: 0, mean: 0 };
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.max(0, Math.ceil(q * s.length) - 1)] as number;
  return { min: s[0] as number, p50: at(0.5), p90: at(0.9), max: s[s.length - 1] as number, mean: round(s.reduce((a, b) => a + b, 0) / s.length, 2) };
}

export interface FleetOptions {
  seeds: number;
  days: number;
  stepMs: number;
  limits: CoachLimits;
  llm: LlmCoach;
  /** asked for the pet's face after each pet write (bench/avatar-images.ts records the requests) */
  avatars?: AvatarPort;
}

/**
 * Every plan × wearer × seed, each a device of its own; the coach persona alternates
 * over wearers and seeds so both personas see every plan. Progress goes to stderr.
 */
export async function replayFleet(o: FleetOptions): Promise<DeviceDay[]> {
  const out: DeviceDay[] = [];
  for (const plan of Object.keys(dayPlans())) {
    const started = performance.now();
    for (const [w, wearer] of PERSONAS.entries()) {
      for (let seed = 1; seed <= o.seeds; seed++) {
        const coachPersona = COACH_PERSONAS[(w + seed) % COACH_PERSONAS.length] as (typeof COACH_PERSONAS)[number];
        const avatars = o.avatars ? { avatars: o.avatars } : {};
        out.push(...(await replayDevice({ plan, wearer, coachPersona, seed, days: o.days, stepMs: o.stepMs, limits: o.limits, llm: o.llm, ...avatars })));
      }
    }
    process.stderr.write(`${plan}: ${PERSONAS.length * o.seeds * o.days} device-days in ${round((performance.now() - started) / 1000, 1)} s\n`);
  }
  return out;
}

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : round(xs.reduce((a, b) => a + b, 0) / xs.length, 2));

/** The figures of a set of device-days. */
export function dayFigures(days: readonly DeviceDay[], limits: CoachLimits): Record<string, unknown> {
  const reasons = [...new Set(days.flatMap((d) => Object.keys(d.budgetSkipped)))].sort();
  const capped = days.filter((d) => d.llmCalls >= limits.callsPerDay);
  const lastCall = capped.map((d) => d.callMinutes[d.callMinutes.length - 1] ?? 0);
  return {
    deviceDays: days.length,
    llmCallsPerDay: distribution(days.map((d) => d.llmCalls)),
    cachedPerDay: distribution(days.map((d) => d.cached)),
    budgetSkipsPerDay: Object.fromEntries(reasons.map((r) => [r, distribution(days.map((d) => d.budgetSkipped[r] ?? 0))])),
    fallbacksPerDay: mean(days.map((d) => d.fallback)),
    stateChangesPerDay: distribution(days.map((d) => d.stateChanges)),
    coachRequestsPerDay: mean(days.map((d) => d.coachRequests)),
    batchesPerDay: mean(days.map((d) => d.batches)),
    dailyCapReached: { share: days.length === 0 ? 0 : round(capped.length / days.length, 3), lastCallAtUtc: capped.length === 0 ? null : { p50: hhmm(distribution(lastCall).p50), max: hhmm(distribution(lastCall).max) } },
  };
}

/** Figures per plan and overall. */
export function figuresByPlan(days: readonly DeviceDay[], limits: CoachLimits): { perScenario: Record<string, unknown>; overall: Record<string, unknown> } {
  const plans = [...new Set(days.map((d) => d.plan))];
  return {
    perScenario: Object.fromEntries(plans.map((p) => [p, dayFigures(days.filter((d) => d.plan === p), limits)])),
    overall: dayFigures(days, limits),
  };
}
