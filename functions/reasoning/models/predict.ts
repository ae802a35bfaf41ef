/**
 * The one entry point of the models: a feature vector in, a prediction out. Pure —
 * no I/O, no clock (`features.now` is the time) — so the same code answers in-process
 * and behind the SageMaker endpoint, and the same input always gives the same output.
 */
import type { Confidence, FeatureVector, Prediction } from '../../../protocol/models';
import { resolveBaseline } from './baseline';
import { updateEnergy } from './energy';
import { classifyMinutes } from './minute-state';
import { readinessScore, windowRest } from './readiness';
import { stressResult } from './stress';

const RANK: Record<Confidence, number> = { low: 0, medium: 1, high: 2 };

/** Artefacts in the window, reported as `missing` entries rather than averaged in. */
function windowMissing(f: FeatureVector): string[] {
  const dropped = f.minutes.reduce((a, m) => a + m.dropped, 0);
  const noHrv = f.minutes.filter((m) => m.hrvRmssdMs === undefined).length;
  const out: string[] = [];
  if (dropped > 0) out.push(`artefacts:${dropped}`);
  if (noHrv > 0) out.push(`minutesWithoutHrv:${noHrv}`);
  return out;
}

/**
 * Readiness, stress and energy for one window.
 *
 * @example
 * const p = predict({ now, minutes, baseline: { days: 0 } });
 * p.calibrating; // true: population priors, confidence low, no trend
 * p.stress.state; // 'rest' | 'exercise' | 'stress' | 'unknown'
 */
export function predict(features: FeatureVector): Prediction {
  const b = resolveBaseline(features.baseline);
  const { states, lastExerciseEndedAt } = classifyMinutes(features.minutes, b, features.lastExerciseEndedAt);
  const stress = stressResult(states, b, features.now, lastExerciseEndedAt);
  const readiness = readinessScore(b, windowRest(states), windowMissing(features));
  const energy = updateEnergy(features.energy, states, readiness.score, features.now, features.utcOffsetMin);
  const windowConfidence: Confidence = stress.state === 'unknown' ? 'low' : 'high';
  const confidence = RANK[windowConfidence] < RANK[readiness.confidence] ? windowConfidence : readiness.confidence;
  const out: Prediction = { readiness, stress, energy, calibrating: b.calibrating, confidence };
  if (lastExerciseEndedAt !== undefined) out.lastExerciseEndedAt = lastExerciseEndedAt;
  return out;
}
