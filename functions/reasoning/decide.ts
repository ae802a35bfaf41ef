import { createHash } from 'node:crypto';
import type { Contributor, Prediction } from '../../protocol/models';
import type { Mood, PetState } from '../../protocol/shadows';
import type { CoachWords } from './ports';

/** The part of the pet state the models decide (no wording, no time): what stateHash covers. */
export interface DerivedState {
  mood: Mood;
  band: 'low' | 'normal' | 'high';
  stress: 'rest' | 'exercise' | 'stress' | 'unknown';
  spoons: number;
  calibrating: boolean;
}

/**
 * The pet's mood from the models' verdict, most urgent first: stress shows as stressed;
 * an exhausted energy budget or a low readiness band as tired; exercise as happy (or
 * ecstatic on a high-readiness day); rest as calm, or happy when readiness is high.
 */
export function moodOf(p: Prediction): Mood {
  if (p.stress.state === 'stress') return 'stressed';
  if (p.energy.spoons <= 2 || p.readiness.band === 'low') return 'tired';
  if (p.stress.state === 'exercise') return p.readiness.band === 'high' ? 'ecstatic' : 'happy';
  return p.readiness.band === 'high' ? 'happy' : 'calm';
}

export function derive(p: Prediction): DerivedState {
  return { mood: moodOf(p), band: p.readiness.band, stress: p.stress.state, spoons: Math.round(p.energy.spoons), calibrating: p.calibrating };
}

/** A short hash of the derived state: the pet is written only when it changes. */
export function stateHash(d: DerivedState): string {
  const canonical = JSON.stringify([d.mood, d.band, d.stress, d.spoons, d.calibrating]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** The three contributors that moved readiness most, trimmed to the shadow's field sizes. */
export function topContributors(cs: readonly Contributor[]): NonNullable<PetState['readiness']>['top'] {
  return [...cs]
    .sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect))
    .slice(0, 3)
    .map((c) => ({
      name: c.name.slice(0, 40),
      effect: Math.round(c.effect * 10) / 10,
      value: c.value === null ? null : Math.round(c.value * 100) / 100,
      baseline: c.baseline === null ? null : Math.round(c.baseline * 100) / 100,
      ...(c.unit ? { unit: c.unit.slice(0, 12) } : {}),
    }));
}

/** The full pet state for the `pet` shadow's `desired`. */
export function petState(
  p: Prediction,
  d: DerivedState,
  words: CoachWords,
  persona: 'strict' | 'encouraging',
  now: number,
): PetState {
  return {
    // a nuance the coach may choose only among the moods the models allow (protocol/coach.ts)
    mood: words.mood ?? d.mood,
    energy: Math.round((d.spoons / 12) * 100) / 100,
    message: words.message.slice(0, 280),
    band: d.band,
    stress: d.stress,
    stressLevel: Math.round(Math.min(100, Math.max(0, p.stress.level))),
    spoons: d.spoons,
    readiness: { score: Math.round(Math.min(100, Math.max(0, p.readiness.score))), top: topContributors(p.readiness.contributors) },
    calibrating: d.calibrating,
    persona,
    source: words.source,
    ...(words.animation ? { animation: words.animation.slice(0, 32) } : {}),
    ...(words.suggestion ? { suggestion: words.suggestion.slice(0, 140) } : {}),
    stateHash: stateHash(d),
    updatedAt: now,
  };
}
