/**
 * The words the daily explanation is made of: each metric's name and value as a person
 * reads them, the day's anomalies one per metric, and the deterministic template — the
 * explanation when the LLM is off, fails or answers off contract. The template names
 * exactly the flagged anomalies (or says the day was within the wearer's normal range,
 * or that the range is not known yet), in the wearer's persona, with one suggestion
 * about rest, activity or sleep.
 */
import { ANOMALY_METRICS, type AnomalyMetric, type DailyAnomaly, type DailyMetrics } from '../../protocol/daily';
import type { Persona } from '../../protocol/shadows';
import { MIN_BASELINE_DAYS } from './anomalies';

/** What an explanation is worded from. */
export interface ExplainInput {
  thing: string;
  day: string;
  persona: Persona;
  metrics: DailyMetrics;
  /** the flagged anomalies (|z| ≥ 2), any window */
  anomalies: readonly DailyAnomaly[];
  /** whether any metric had enough history to be judged; false while the wearer's normal is still unknown */
  judged: boolean;
}

const clock = (min: number) => `${Math.floor(min / 60)} h ${Math.round(min % 60)} min`;

/** Each metric as a person says it: its name, its key among the prompt's facts, how its value reads, its directions. */
export const METRIC_WORDS: Readonly<Record<AnomalyMetric, { name: string; fact: string; value: (v: number) => string; high: string; low: string }>> = {
  restingHrBpm: { name: 'resting heart rate', fact: 'resting heart rate', value: (v) => `${Math.round(v)} bpm`, high: 'higher', low: 'lower' },
  lnRmssdRest: { name: 'heart rate variability (HRV)', fact: 'heart rate variability', value: (v) => `RMSSD ${Math.round(Math.exp(v))} ms`, high: 'higher', low: 'lower' },
  steps: { name: 'step count', fact: 'step count', value: (v) => `${Math.round(v)} steps`, high: 'higher', low: 'lower' },
  activeMin: { name: 'active time', fact: 'active minutes', value: (v) => `${Math.round(v)} min`, high: 'higher', low: 'lower' },
  stressMin: { name: 'stress time', fact: 'stress minutes', value: (v) => `${Math.round(v)} min`, high: 'longer', low: 'shorter' },
  sleepMin: { name: 'sleep', fact: 'sleep', value: clock, high: 'longer', low: 'shorter' },
  skinTempC: { name: 'skin temperature', fact: 'skin temperature', value: (v) => `${(Math.round(v * 10) / 10).toFixed(1)} °C`, high: 'higher', low: 'lower' },
};

/** One flagged metric: the anomaly with the largest |z| over its windows, and every window's z. */
export interface MetricAnomaly {
  metric: AnomalyMetric;
  direction: 'high' | 'low';
  value: number;
  mean: number;
  zs: Array<{ windowDays: number; z: number }>;
}

/** The anomalies merged per metric (a metric flagged against 30 and 60 days is named once), in metric order. */
export function anomaliesByMetric(anomalies: readonly DailyAnomaly[]): MetricAnomaly[] {
  const out: MetricAnomaly[] = [];
  for (const metric of ANOMALY_METRICS) {
    const of = anomalies.filter((a) => a.metric === metric).sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
    const top = of[0];
    if (top === undefined) continue;
    out.push({ metric, direction: top.direction, value: top.value, mean: top.mean, zs: of.map((a) => ({ windowDays: a.windowDays, z: a.z })).sort((a, b) => a.windowDays - b.windowDays) });
  }
  return out;
}

type Advice = 'rest' | 'sleep' | 'move' | 'recover' | 'keep';

/** The one suggestion the day calls for (rest, activity or sleep only), most pressing first. */
export function adviceFor(anomalies: readonly MetricAnomaly[]): Advice {
  const is = (metric: AnomalyMetric, direction: 'high' | 'low') => anomalies.some((a) => a.metric === metric && a.direction === direction);
  if (is('restingHrBpm', 'high') || is('lnRmssdRest', 'low') || is('stressMin', 'high') || anomalies.some((a) => a.metric === 'skinTempC')) return 'rest';
  if (is('sleepMin', 'low')) return 'sleep';
  if (is('steps', 'high') || is('activeMin', 'high')) return 'recover';
  if (is('steps', 'low') || is('activeMin', 'low')) return 'move';
  return 'keep';
}

const ADVICE: Record<Persona, Record<Advice, string>> = {
  strict: {
    rest: 'Take it easy tomorrow and get to bed early.',
    sleep: 'Get to bed earlier tonight.',
    recover: 'Balance that load with rest tomorrow.',
    move: 'Add a walk tomorrow.',
    keep: 'Keep your routine.',
  },
  encouraging: {
    rest: 'Some extra rest and an early night would do you good.',
    sleep: 'An early night could help you catch up.',
    recover: 'After all that movement, make time to rest too.',
    move: 'A gentle walk tomorrow could feel nice.',
    keep: 'Keep up your usual mix of activity, rest and sleep.',
  },
};

function anomalyPhrase(a: MetricAnomaly, persona: Persona): string {
  const w = METRIC_WORDS[a.metric];
  const dir = a.direction === 'high' ? w.high : w.low;
  return persona === 'strict' ? `${w.name} ${dir} (${w.value(a.value)} vs ${w.value(a.mean)})` : `your ${w.name} was ${dir} (${w.value(a.value)} vs about ${w.value(a.mean)})`;
}

function list(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/**
 * The deterministic explanation of a day in the wearer's persona.
 * @example templateExplanation({ persona: 'strict', anomalies: [restingHrHigh], judged: true, … })
 * // 'Outside your normal range today: resting heart rate higher (66 bpm vs 58 bpm). Take it easy tomorrow and get to bed early.'
 */
export function templateExplanation(input: Pick<ExplainInput, 'persona' | 'anomalies' | 'judged'>): string {
  const { persona } = input;
  const merged = anomaliesByMetric(input.anomalies);
  const advice = ADVICE[persona][adviceFor(merged)];
  if (merged.length > 0) {
    const phrases = merged.map((a) => anomalyPhrase(a, persona));
    if (persona === 'strict') return `Outside your normal range today: ${phrases.join('; ')}. ${advice}`;
    const opener = merged.length === 1 ? 'One thing was different from your usual today' : 'A few things were different from your usual today';
    return `${opener}: ${list(phrases)}. ${advice}`;
  }
  if (!input.judged) {
    return persona === 'strict'
      ? `Not enough history yet: ${MIN_BASELINE_DAYS} earlier days are needed to judge your normal range. Keep wearing the watch.`
      : `I'm still learning your normal range; after ${MIN_BASELINE_DAYS} days I can tell you how a day compares. ${advice}`;
  }
  return persona === 'strict' ? `Every metric within your normal range. ${advice}` : `Your day stayed within your normal range, nice and steady. ${advice}`;
}
