import type { DailyShadowState } from '../../../protocol/daily';
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

/**
 * Two numbers to compare, with as few decimals as show their difference (at most 2):
 * whole numbers from 10 up, one decimal below, more when they are closer than that (33.1
 * and 33.48 are not "33 vs 33").
 * @example valuePair(33.1, 33.5) // ['33.1', '33.5']
 */
export function valuePair(a: number, b: number): [string, string] {
  const base = Math.max(Math.abs(a), Math.abs(b)) >= 10 ? 0 : 1;
  // enough decimals for the difference itself: 0.4 apart needs one, 0.03 apart two
  const forDifference = a === b ? 0 : Math.ceil(-Math.log10(Math.abs(a - b)));
  const d = Math.min(2, Math.max(base, forDifference));
  // half away from zero on the decimal value (33.05 is 33.1, as the explanation says it), not on its binary double
  const fixed = (x: number) => (Math.sign(x) * Math.round(Math.abs(x) * 10 ** d)) / 10 ** d;
  return [fixed(a).toFixed(d), fixed(b).toFixed(d)];
}

const METRIC_LABELS: Record<string, string> = {
  restingHrBpm: 'resting heart rate',
  lnRmssdRest: 'HRV at rest (ln RMSSD)',
  steps: 'steps',
  activeMin: 'active minutes',
  stressMin: 'stressed minutes',
  sleepMin: 'sleep minutes',
  skinTempC: 'skin temperature',
};
const METRIC_UNITS: Record<string, string> = { restingHrBpm: ' bpm', skinTempC: ' °C', activeMin: ' min', stressMin: ' min', sleepMin: ' min' };

/**
 * A day's anomalies as lines, one per metric and direction: the daily summary judges each
 * metric against its 30- and 60-day usual, and both usually say the same, so their
 * windows share a line, with the shortest window's figures.
 * @example "skin temperature lower than your 30- and 60-day usual (33.1 vs 33.5 °C)"
 */
export function anomalyLines(anomalies: DailyShadowState['anomalies']): string[] {
  const groups = new Map<string, DailyShadowState['anomalies']>();
  for (const a of anomalies) {
    const key = `${a.metric} ${a.direction}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  return [...groups.values()].map((g) => {
    const sorted = [...g].sort((x, y) => x.windowDays - y.windowDays);
    const first = sorted[0] as DailyShadowState['anomalies'][number];
    const days = sorted.map((a) => a.windowDays);
    const windows = days.length === 1 ? `${days[0]}-day` : `${days.slice(0, -1).join('-, ')}- and ${days[days.length - 1]}-day`;
    const [value, mean] = valuePair(first.value, first.mean);
    const label = METRIC_LABELS[first.metric] ?? first.metric;
    return `${label} ${first.direction === 'high' ? 'higher' : 'lower'} than your ${windows} usual (${value} vs ${mean}${METRIC_UNITS[first.metric] ?? ''})`;
  });
}

/** Readiness contributors by the name the reasoning function gives them (functions/reasoning/models/readiness.ts). */
const CONTRIBUTOR_LABELS: Record<string, string> = {
  hrv7d: 'HRV, 7-day average',
  hrvNow: 'HRV now',
  hrv: 'HRV',
  restingHr: 'resting heart rate, 7-day average',
  sleep: 'sleep, 7-day average',
  fatigueTrend: 'HRV falling and resting heart rate rising together',
  skinTemp: 'skin temperature',
};

interface ContributorFigures {
  name: string;
  value: number | null;
  baseline: number | null;
  unit?: string | undefined;
}

/**
 * One readiness contributor in words, after its signed effect: its label and its figures
 * against the wearer's usual.
 * @example contributorText({ name: 'sleep', value: 184, baseline: 450, unit: 'min' }) // "sleep, 7-day average — 184 min vs your usual 450 min"
 * @example contributorText({ name: 'skinTemp', value: 0.6, baseline: 0, unit: '°C' }) // "skin temperature — 0.6 °C above your usual"
 */
export function contributorText(c: ContributorFigures): string {
  const label = CONTRIBUTOR_LABELS[c.name] ?? c.name;
  if (c.value === null) return label;
  const unit = c.unit ? ` ${c.unit}` : '';
  // the skin temperature contributor is already a difference from the wearer's usual (its baseline is 0)
  if (c.name === 'skinTemp') {
    const delta = Math.abs(c.value).toFixed(1);
    return delta === '0.0' ? `${label} — as usual` : `${label} — ${delta}${unit} ${c.value > 0 ? 'above' : 'below'} your usual`;
  }
  if (c.name === 'fatigueTrend' && c.baseline !== null) {
    const [value, limit] = valuePair(c.value, c.baseline);
    return `${label} — ${value}${unit} (readiness is capped from ${limit}${unit})`;
  }
  if (c.baseline === null) return `${label} — ${valuePair(c.value, c.value)[0]}${unit}`;
  const [value, usual] = valuePair(c.value, c.baseline);
  return `${label} — ${value}${unit} vs your usual ${usual}${unit}`;
}
