/**
 * Labelled scenarios: a persona living through a sequence of activities, as telemetry
 * v1 samples at 1 Hz with sensor noise, and the ground truth per 5-minute window
 * (epoch-aligned; the activity that fills most of the window). Deterministic: a pure
 * function of (scenario, persona, seed). Importable on its own — the fleet simulators
 * use the same generators.
 */
import type { Sample, TelemetryContext } from '../../protocol/telemetry';
import { type Activity, type BodyState, step, TRUTH, type TruthLabel, targetsFor } from './activities';
import { addNoise, DEFAULT_NOISE, type NoiseCounts, type NoiseOptions } from './noise';
import type { Persona } from './personas';
import { createRng, deriveSeed } from './rng';

export interface Segment {
  activity: Activity;
  minutes: number;
}

/** The scenario library: name → segments. */
export const SCENARIOS: Readonly<Record<string, readonly Segment[]>> = {
  rest: [{ activity: 'rest', minutes: 45 }],
  sleep: [{ activity: 'sleep', minutes: 60 }],
  run: [
    { activity: 'rest', minutes: 10 },
    { activity: 'run', minutes: 30 },
    { activity: 'recovery', minutes: 20 },
  ],
  cycle: [
    { activity: 'rest', minutes: 10 },
    { activity: 'cycle', minutes: 40 },
    { activity: 'recovery', minutes: 15 },
  ],
  hike: [
    { activity: 'rest', minutes: 5 },
    { activity: 'hike', minutes: 50 },
    { activity: 'rest', minutes: 10 },
  ],
  stress: [
    { activity: 'rest', minutes: 15 },
    { activity: 'stress', minutes: 30 },
    { activity: 'rest', minutes: 15 },
  ],
  recovery: [
    { activity: 'run', minutes: 25 },
    { activity: 'recovery', minutes: 45 },
  ],
  'mixed-day': [
    { activity: 'rest', minutes: 10 },
    { activity: 'stress', minutes: 25 },
    { activity: 'rest', minutes: 10 },
    { activity: 'hike', minutes: 20 },
    { activity: 'recovery', minutes: 30 },
    { activity: 'stress', minutes: 20 },
    { activity: 'sleep', minutes: 20 },
  ],
};

/**
 * Conditions rather than activities: the body is in a state (ill) for the whole
 * scenario. Truth is `rest`, but the physiology departs from the wearer's normal the way
 * the readiness models should notice; kept apart from SCENARIOS, the library the
 * stress/exercise evaluation scores, because its three classes do not describe them.
 */
export const CONDITION_SCENARIOS: Readonly<Record<string, readonly Segment[]>> = {
  illness: [
    { activity: 'sleep', minutes: 20 },
    { activity: 'ill', minutes: 40 },
    { activity: 'ill', minutes: 30 },
  ],
};

export interface TruthWindow {
  from: number;
  to: number;
  label: TruthLabel;
  activity: Activity;
}

export interface Scenario {
  name: string;
  persona: Persona;
  seed: number;
  start: number;
  samples: Sample[];
  /** the phone's context per minute (altitude on a hike) */
  contexts: Array<{ t: number; context: TelemetryContext }>;
  truth: TruthWindow[];
  noise: NoiseCounts;
}

const DAY_MS = 86_400_000;
const WINDOW_MS = 300_000;
/** Scenarios start at 08:00 UTC on a day derived from the seed (2025-01-06 onwards). */
const EPOCH = Date.UTC(2025, 0, 6, 8, 0, 0);

function truthWindows(start: number, activities: readonly Activity[]): TruthWindow[] {
  const out: TruthWindow[] = [];
  for (let i = 0; i + WINDOW_MS / 1000 <= activities.length; i += WINDOW_MS / 1000) {
    const tally = new Map<Activity, number>();
    for (let j = i; j < i + WINDOW_MS / 1000; j++) {
      const a = activities[j] ?? 'rest';
      tally.set(a, (tally.get(a) ?? 0) + 1);
    }
    const activity = [...tally.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'rest';
    out.push({ from: start + i * 1000, to: start + i * 1000 + WINDOW_MS, label: TRUTH[activity], activity });
  }
  return out;
}

/**
 * Generates one scenario (from SCENARIOS or CONDITION_SCENARIOS).
 *
 * @example
 * const s = generateScenario('stress', persona('office'), 101);
 * s.truth.filter((w) => w.label === 'stress').length; // 6 windows of 5 min
 */
export function generateScenario(name: string, p: Persona, seed: number, noise: NoiseOptions = DEFAULT_NOISE): Scenario {
  const segments = SCENARIOS[name] ?? CONDITION_SCENARIOS[name];
  if (segments === undefined) throw new RangeError(`unknown scenario ${name}`);
  return playSegments(name, segments, p, seed, EPOCH + (seed % 365) * DAY_MS, noise);
}

/**
 * A persona living through `segments` from `start` (epoch ms) at 1 Hz, with noise and
 * truth: what generateScenario does for a named scenario, and days.ts for a whole day.
 */
export function playSegments(name: string, segments: readonly Segment[], p: Persona, seed: number, start: number, noise: NoiseOptions = DEFAULT_NOISE): Scenario {
  const rng = createRng(deriveSeed(seed, name, p.id));
  const body: BodyState = { hr: p.restingHrBpm + 5, lnRmssd: Math.log(p.restRmssdMs * 0.85), skinTempC: p.skinTempC, stepCarry: 0, altitudeM: 350 };
  const clean: Sample[] = [];
  const activities: Activity[] = [];
  const contexts: Array<{ t: number; context: TelemetryContext }> = [];
  for (const seg of segments) {
    const target = targetsFor(seg.activity, p, rng, body);
    const fast = !SLOW_HR.has(seg.activity);
    for (let s = 0; s < seg.minutes * 60; s++) {
      const t = start + clean.length * 1000;
      clean.push(step(body, target(s), t, rng, fast));
      activities.push(seg.activity);
      if (s % 60 === 0) contexts.push({ t, context: { altitudeM: Math.round(body.altitudeM) } });
    }
  }
  const moving = (i: number) => TRUTH[activities[i] ?? 'rest'] === 'exercise';
  const noisy = addNoise(clean, moving, rng, noise);
  return { name, persona: p, seed, start, samples: noisy.samples, contexts, truth: truthWindows(start, activities), noise: noisy.counts };
}

/** Activities whose HR drifts slowly towards its target (no exercise onset or recovery). */
const SLOW_HR: ReadonlySet<Activity> = new Set(['rest', 'sleep', 'stress', 'ill']);
