/**
 * What the body does in each activity, per second: target HR, RMSSD, cadence, wrist
 * acceleration and skin temperature for a persona, with first-order lags so changes
 * are gradual. Exercise lifts HR by a share of the HR reserve (Karvonen); mental stress
 * lifts HR 16–30 bpm and roughly halves RMSSD (the size of responses reported for
 * laboratory stressors such as the TSST in WESAD); recovery follows a fast and a slow
 * exponential HR decay while RMSSD returns over tens of minutes (Stanley, Peake &
 * Buchheit 2013). Daytime rest sits a few bpm above the night's resting HR. An ill day
 * (`ill`) is rest with the illness onset of history.ts on top: resting HR +6 bpm, ln
 * RMSSD −0.3 and wrist skin temperature +0.7–1.2 °C (raised resting HR before symptoms:
 * Mishra et al. 2020; fever on the wrist: Smarr et al. 2020), with little movement.
 */
import type { Sample } from '../../protocol/telemetry';
import type { Persona } from './personas';
import type { Rng } from './rng';

export type Activity = 'rest' | 'sleep' | 'stress' | 'run' | 'cycle' | 'hike' | 'recovery' | 'ill';
export type TruthLabel = 'rest' | 'exercise' | 'stress';

/** The class each activity counts as in the evaluation. */
export const TRUTH: Readonly<Record<Activity, TruthLabel>> = {
  rest: 'rest',
  sleep: 'rest',
  recovery: 'rest',
  ill: 'rest',
  stress: 'stress',
  run: 'exercise',
  cycle: 'exercise',
  hike: 'exercise',
};

/** The body's state carried from one second to the next (and across segments). */
export interface BodyState {
  hr: number;
  lnRmssd: number;
  skinTempC: number;
  stepCarry: number;
  altitudeM: number;
}

interface Targets {
  hrBpm: number;
  rmssdMs: number;
  cadenceSpm: number;
  accelG: number;
  accelSdG: number;
  skinTempC: number;
  climbMPerMin: number;
}

type TargetFn = (secondsIn: number) => Targets;

const still = (p: Persona, hrBpm: number, rmssdMs: number, accelG: number, skinDeltaC: number): Targets => ({
  hrBpm,
  rmssdMs,
  cadenceSpm: 0,
  accelG,
  accelSdG: 0.01,
  skinTempC: p.skinTempC + skinDeltaC,
  climbMPerMin: 0,
});

function restTargets(p: Persona, rng: Rng): TargetFn {
  const hr = p.restingHrBpm + rng.uniform(3, 8);
  const rmssd = p.restRmssdMs * rng.uniform(0.75, 0.95);
  const walkStart = rng.chance(0.5) ? rng.int(60, 900) : -1;
  return (s) => {
    // now and then a minute's walk to the coffee machine: rest in truth, steps in the data
    const walking = walkStart >= 0 && s >= walkStart && s < walkStart + 60;
    return walking
      ? { ...still(p, hr + 12, rmssd * 0.7, 1.08, 0), cadenceSpm: 95, accelSdG: 0.05 }
      : still(p, hr, rmssd, 1 + rng.uniform(0.004, 0.02), 0);
  };
}

/** An ill day at rest: raised HR, lowered RMSSD, a fever on the wrist, now and then a slow walk. */
function illTargets(p: Persona, rng: Rng): TargetFn {
  const hr = p.restingHrBpm + 6 + rng.uniform(2, 6);
  const rmssd = p.restRmssdMs * Math.exp(-0.3) * rng.uniform(0.8, 0.95);
  const feverC = rng.uniform(0.7, 1.2);
  const walkStart = rng.chance(0.3) ? rng.int(60, 1800) : -1;
  return (s) => {
    const walking = walkStart >= 0 && s >= walkStart && s < walkStart + 45;
    return walking
      ? { ...still(p, hr + 10, rmssd * 0.8, 1.05, feverC), cadenceSpm: 70, accelSdG: 0.04 }
      : still(p, hr, rmssd, 1 + rng.uniform(0.002, 0.01), feverC);
  };
}

function exerciseTargets(p: Persona, rng: Rng, kind: 'run' | 'cycle' | 'hike'): TargetFn {
  const reserve = p.hrMaxBpm - p.restingHrBpm;
  const share = { run: rng.uniform(0.6, 0.82), cycle: rng.uniform(0.45, 0.7), hike: rng.uniform(0.35, 0.6) }[kind];
  const cadence = { run: rng.uniform(150, 178), cycle: rng.uniform(0, 8), hike: rng.uniform(85, 112) }[kind];
  const accel = { run: rng.uniform(1.9, 3.2), cycle: rng.uniform(1.06, 1.25), hike: rng.uniform(1.2, 1.5) }[kind];
  const rmssd = { run: rng.uniform(4, 12), cycle: rng.uniform(5, 15), hike: rng.uniform(8, 20) }[kind];
  const climb = kind === 'hike' ? rng.uniform(5, 15) : 0;
  return () => ({
    hrBpm: p.restingHrBpm + share * reserve,
    rmssdMs: rmssd,
    cadenceSpm: cadence,
    accelG: accel,
    accelSdG: kind === 'run' ? 0.3 : 0.08,
    skinTempC: p.skinTempC + 0.4,
    climbMPerMin: climb,
  });
}

function recoveryTargets(p: Persona, rng: Rng, startHr: number): TargetFn {
  const fastS = rng.uniform(90, 200);
  const slowBpm = rng.uniform(6, 12);
  const hrvS = rng.uniform(1200, 2400);
  const fast = Math.max(0, startHr - p.restingHrBpm - slowBpm);
  return (s) =>
    still(
      p,
      p.restingHrBpm + slowBpm * Math.exp(-s / 1200) + fast * Math.exp(-s / fastS),
      p.restRmssdMs * (0.25 + 0.6 * (1 - Math.exp(-s / hrvS))),
      1 + rng.uniform(0.005, 0.02),
      0.2,
    );
}

/** The target function of one segment, its levels drawn once from `rng`. */
export function targetsFor(activity: Activity, p: Persona, rng: Rng, body: BodyState): TargetFn {
  switch (activity) {
    case 'rest':
      return restTargets(p, rng);
    case 'sleep': {
      const hr = p.restingHrBpm + rng.uniform(-4, 1);
      const rmssd = p.restRmssdMs * rng.uniform(1.0, 1.25);
      return () => still(p, hr, rmssd, 1.002, 0.3);
    }
    case 'stress': {
      const hr = p.restingHrBpm + rng.uniform(16, 30);
      const rmssd = p.restRmssdMs * rng.uniform(0.4, 0.62);
      return () => still(p, hr, rmssd, 1 + rng.uniform(0.01, 0.04), -0.2);
    }
    case 'recovery':
      return recoveryTargets(p, rng, body.hr);
    case 'ill':
      return illTargets(p, rng);
    default:
      return exerciseTargets(p, rng, activity);
  }
}

/** One second of the body moving towards its targets, as a telemetry v1 sample. */
export function step(body: BodyState, target: Targets, t: number, rng: Rng, fastHr: boolean): Sample {
  body.hr += (target.hrBpm - body.hr) / (fastHr ? 8 : 20) + rng.normal(0, 0.6);
  body.lnRmssd += (Math.log(target.rmssdMs) - body.lnRmssd) / 30;
  body.skinTempC += (target.skinTempC - body.skinTempC) / 300;
  body.altitudeM += target.climbMPerMin / 60;
  const cadence = target.cadenceSpm > 0 ? Math.max(0, target.cadenceSpm + rng.normal(0, 3)) : 0;
  body.stepCarry += cadence / 60;
  const steps = Math.floor(body.stepCarry);
  body.stepCarry -= steps;
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    t,
    hr: r1(Math.min(230, Math.max(25, body.hr + rng.normal(0, 1.5)))),
    hrvRmssd: r1(Math.min(250, Math.max(2, Math.exp(body.lnRmssd + rng.normal(0, 0.12))))),
    steps,
    skinTempC: Math.round((body.skinTempC + rng.normal(0, 0.05)) * 100) / 100,
    accelG: Math.round(Math.max(0, target.accelG + Math.abs(rng.normal(0, target.accelSdG))) * 1000) / 1000,
  };
}
