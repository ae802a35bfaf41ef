import type { PetState } from '../../../protocol/shadows';
import type { ShadowRead } from '../shadow-documents';
import { LIVE_WITHIN_MS } from '../history';

/** "12 s ago", "5 min ago", "3 h ago", "2 d ago"; "just now" under 5 s. */
export function ago(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const hrs = Math.round(m / 60);
  if (hrs < 48) return `${hrs} h ago`;
  return `${Math.round(hrs / 24)} d ago`;
}

/**
 * When a pet's state last changed and the time of the data it was judged from. IoT Core's
 * write time comes first (a device replaying a backlog, or a simulator playing scenario
 * time faster in the past, writes old data now); `dataAt` is set only when the data is
 * more than ten minutes older than that write, the case worth saying.
 */
export function stateTimes(read: ShadowRead<PetState>): { changedAt?: number; dataAt?: number } {
  if (!read.ok) return {};
  const { changedAt } = read;
  const dataAt = read.state.updatedAt;
  if (changedAt === undefined) return dataAt === undefined ? {} : { changedAt: dataAt };
  return dataAt !== undefined && dataAt < changedAt - LIVE_WITHIN_MS ? { changedAt, dataAt } : { changedAt };
}

/** Local date and clock time: "Nov 8, 06:21 PM" (the locale's order). */
export function dayAndClock(at: number): string {
  return new Date(at).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** Local clock time, HH:MM. */
export function clock(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export const STRESS_LABEL: Record<NonNullable<PetState['stress']>, string> = {
  rest: 'at rest',
  exercise: 'exercising',
  stress: 'stressed',
  unknown: 'not known yet',
};

export const SOURCE_LABEL: Record<NonNullable<PetState['source']>, string> = {
  llm: 'LLM coach',
  cached: 'LLM coach (cached answer)',
  deterministic: 'deterministic coach',
};

export function percent(x: number): string {
  return `${Math.round(x * 100)} %`;
}

/** A contributor's effect on readiness, signed: "+6", "−4". */
export function signed(points: number): string {
  const r = Math.round(points);
  return r > 0 ? `+${r}` : r < 0 ? `−${Math.abs(r)}` : '±0';
}

/** The pet's state in one sentence, for screen readers and as the figure's text alternative. */
export function petSentence(thing: string, p: PetState): string {
  const parts = [`${thing} is ${p.mood}`, `energy ${percent(p.energy)}`];
  if (p.spoons !== undefined) parts.push(`${p.spoons} of 12 spoons`);
  if (p.stress !== undefined) parts.push(`stress: ${STRESS_LABEL[p.stress]}${p.stressLevel !== undefined ? ` (${p.stressLevel}/100)` : ''}`);
  return `${parts.join(', ')}. It says: “${p.message}”`;
}
