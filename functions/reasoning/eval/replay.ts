/**
 * Replays a scenario through the models the way the reasoning function will: one
 * batch per minute of samples, per-minute aggregates merged into a 30-minute rolling
 * window, and `predict` at the end of every 5-minute window, carrying
 * `lastExerciseEndedAt` and the energy state from call to call.
 */
import type { Baseline, EnergyState, MinuteAggregate, Prediction, StressState } from '../../../protocol/models';
import { mergeMinutes, minuteAggregates, predict } from '../models';
import type { Scenario, TruthWindow } from '../../../simulators/body/scenarios';

export const KEEP_MS = 30 * 60_000;
const DELAY_MS = 10 * 60_000;

export interface WindowOutcome {
  truth: TruthWindow;
  /** the state the pet would show at the window's end */
  online: StressState;
  /** the window's state as the call 10 minutes later labels it */
  delayed: StressState;
}

export interface Replay {
  outcomes: WindowOutcome[];
  predictions: Prediction[];
}

function batches(s: Scenario): Map<number, Scenario['samples']> {
  const out = new Map<number, Scenario['samples']>();
  for (const x of s.samples) {
    const k = Math.floor(x.t / 60_000) * 60_000;
    const b = out.get(k);
    if (b === undefined) out.set(k, [x]);
    else b.push(x);
  }
  return out;
}

/** Replays `s` with `baseline`; one outcome per truth window. */
export function replay(s: Scenario, baseline: Baseline): Replay {
  const byMinute = batches(s);
  let minutes: MinuteAggregate[] = [];
  let lastExerciseEndedAt: number | undefined;
  let energy: EnergyState | undefined;
  const online = new Map<number, StressState>();
  const labelled = new Map<number, Map<number, StressState>>();
  const predictions: Prediction[] = [];
  const end = s.truth[s.truth.length - 1]?.to ?? s.start;
  for (let m = s.start; m < end + DELAY_MS; m += 60_000) {
    const batch = byMinute.get(m);
    const now = m + 60_000 - 1;
    if (batch !== undefined) minutes = mergeMinutes(minutes, minuteAggregates(batch).minutes, now, KEEP_MS);
    if ((m + 60_000 - s.start) % 300_000 !== 0) continue;
    const p = predict({ now, minutes, baseline, ...(lastExerciseEndedAt === undefined ? {} : { lastExerciseEndedAt }), ...(energy === undefined ? {} : { energy }) });
    predictions.push(p);
    lastExerciseEndedAt = p.lastExerciseEndedAt;
    energy = p.energy;
    online.set(now + 1, p.stress.state);
    labelled.set(now + 1, new Map(p.stress.windows.map((w) => [w.from, w.state])));
  }
  const outcomes = s.truth.map((truth) => {
    const o = online.get(truth.to) ?? 'unknown';
    const later = labelled.get(truth.to + DELAY_MS)?.get(truth.from) ?? o;
    return { truth, online: o, delayed: later };
  });
  return { outcomes, predictions };
}
