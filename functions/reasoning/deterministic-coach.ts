import { type Animation, defaultAnimation } from '../../protocol/coach';
import type { Persona } from '../../protocol/shadows';
import type { Coach, CoachInput } from './ports';

type Situation = 'stress' | 'exercise' | 'tired' | 'calibrating' | 'recovered' | 'rest' | 'unknown';

/** What the models' verdict is about, for wording. */
export function situationOf(input: Pick<CoachInput, 'prediction' | 'mood'>): Situation {
  const p = input.prediction;
  if (p.stress.state === 'stress') return 'stress';
  if (p.stress.state === 'exercise') return 'exercise';
  if (input.mood === 'tired') return 'tired';
  if (p.calibrating) return 'calibrating';
  if (p.stress.state === 'unknown') return 'unknown';
  return p.readiness.band === 'high' ? 'recovered' : 'rest';
}

/** Two wordings per persona and situation; the one not said last time is chosen. */
const LINES: Record<Persona, Record<Situation, readonly [string, string]>> = {
  encouraging: {
    stress: ['Your body is running hot without moving. Let’s take five slow breaths together.', 'Stress is showing up. A short walk or a glass of water could help a lot.'],
    exercise: ['Look at you go! I’m bouncing along with every step.', 'Great effort! Keep it steady and enjoy it.'],
    tired: ['We’re running low on energy today. Let’s go easy and rest when we can.', 'Energy is low. Gentle moves and an early night will refill us.'],
    calibrating: ['I’m still getting to know you. A few more days and I’ll understand your rhythm.', 'Learning your normal… thanks for wearing me!'],
    recovered: ['You’re well recovered. A great day to do something you enjoy!', 'Fully charged! Let’s make the most of it.'],
    rest: ['All calm here. Nice and steady.', 'Everything looks balanced. I’m happy just hanging out.'],
    unknown: ['I can’t read you well right now. Is the watch snug?', 'Signal’s patchy. I’ll be back once I can see your heartbeat.'],
  },
  strict: {
    stress: ['Stress detected: heart rate up, HRV down, no movement. Breathe slowly for two minutes.', 'Physiological stress. Stop, breathe, reset before you continue.'],
    exercise: ['Exercise registered. Hold the pace; hydrate.', 'Training load rising. Maintain form.'],
    tired: ['Energy budget low. Cut intensity today and sleep early.', 'Recovery is poor. Light activity only.'],
    calibrating: ['Calibrating: under three days of data. No trends yet.', 'Baseline incomplete. Keep wearing the watch.'],
    recovered: ['Recovery is high. Train hard today.', 'Readiness high. Use it.'],
    rest: ['Resting state. No action needed.', 'Stable. Carry on.'],
    unknown: ['Insufficient signal. Check the watch fit.', 'Data too sparse to assess.'],
  },
};

/**
 * The deterministic coach: a fixed wording of the models' verdict per persona. It is
 * the default, and the fallback whenever an LLM coach fails or answers out of schema.
 */
export class DeterministicCoach implements Coach {
  async speak(input: Pick<CoachInput, 'persona' | 'prediction' | 'mood' | 'lastMessage'>): Promise<{ message: string; source: 'deterministic'; animation: Animation }> {
    const [a, b] = LINES[input.persona][situationOf(input)];
    return { message: input.lastMessage === a ? b : a, source: 'deterministic', animation: defaultAnimation(input.mood) };
  }
}
