/**
 * What an explanation must be before it is stored: plain text of at most 600 characters
 * (and 1,200 bytes of UTF-8, for Timestream's 2 KB record), naming as unusual only the
 * metrics the day flagged, with no diagnosis and no advice beyond rest, activity and
 * sleep. The checks are deliberately simple word lists (documented in the README): a
 * false alarm costs only the LLM's wording — the template takes over — while a missed
 * one would show the wearer a claim the metrics do not support.
 */
import { type AnomalyMetric, EXPLANATION_MAX_BYTES, EXPLANATION_MAX_CHARS } from '../../protocol/daily';

const utf8 = new TextEncoder();
const bytes = (s: string) => utf8.encode(s).length;

/**
 * One paragraph of plain text: Unicode NFC, control characters and markdown markers
 * (`*`, `_`, `#`, backticks) removed, whitespace collapsed to single spaces.
 */
export function plainText(raw: string): string {
  return raw
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}*_#`]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A sentence end: . ! ? or … (optionally closed by a quote or bracket), then a space or the end. */
const SENTENCE_END = /[.!?…]["')\]]?(?=\s|$)/g;

/** The text up to its last finished sentence (a `max_tokens` answer stops mid-sentence); undefined when none finished. */
export function finishedSentences(text: string): string | undefined {
  let end = -1;
  for (const m of text.matchAll(SENTENCE_END)) end = m.index + m[0].length;
  return end > 0 ? text.slice(0, end).trim() : undefined;
}

/** Whether `s` fits the explanation's limits. */
export const fits = (s: string) => s.length <= EXPLANATION_MAX_CHARS && bytes(s) <= EXPLANATION_MAX_BYTES;

/**
 * The text cut to the explanation's limits: at the last sentence end that keeps at least
 * half of the room, else at the last word boundary with an ellipsis. Unchanged when it fits.
 */
export function fitExplanation(text: string): string {
  if (fits(text)) return text;
  // the longest head that still fits with an ellipsis after it (bytes may be the tighter limit)
  let room = EXPLANATION_MAX_CHARS - 1;
  while (room > 0 && !fits(`${text.slice(0, room)}…`)) room -= 10;
  const head = text.slice(0, room).replace(/[\uD800-\uDBFF]$/, ''); // no lone surrogate at the cut
  const sentences = finishedSentences(head);
  if (sentences !== undefined && sentences.length >= room / 2) return sentences;
  const words = head.replace(/\s+\S*$/, '').replace(/[\s,;:–—-]+$/, '');
  return `${words}…`;
}

/** How each metric is named in a sentence (longest names first, so "heart rate variability" is not also "heart rate"). */
export const METRIC_TERMS: ReadonlyArray<readonly [AnomalyMetric, RegExp]> = [
  ['lnRmssdRest', /\b(?:hrv|rmssd|heart[- ]rate variability)\b/gi],
  ['restingHrBpm', /\b(?:resting (?:heart rate|hr|pulse)|heart rate|pulse|rhr|hr)\b/gi],
  ['skinTempC', /\b(?:skin temp(?:erature)?|temperature|temp)\b/gi],
  ['sleepMin', /\b(?:sleep\w*|slept)\b/gi],
  ['stressMin', /\bstress\w*/gi],
  ['activeMin', /\b(?:active (?:minutes|time)|exercise (?:minutes|time)|minutes of (?:activity|exercise)|workouts?)\b/gi],
  ['steps', /\b(?:step count|steps)\b/gi],
];

/**
 * Words that call a reading unusual. Plain "short" and "longer" are left out (a short
 * walk, sleep a little longer: the advice the explanation may give); "than usual" and
 * "below your normal" catch them in a comparison.
 */
const UNUSUAL =
  /\b(?:high|higher|highest|low|lower|lowest|elevated|raised|increased|decreased|reduced|dropped|dipped|spiked?|spikes|shorter|fewer|unusual(?:ly)?|abnormal(?:ly)?|anomal\w*|atypical|out of range|than (?:usual|normal|typical|average|before)|(?:above|below|outside) (?:of )?(?:your )?(?:usual|normal|typical|average|range|baseline))\b/i;

/** A clause: text between punctuation or a contrasting conjunction ("resting HR was high, but sleep was normal" is two). */
const CLAUSE_BREAK = /[.!?;:,…]|[–—]|\b(?:but|while|whereas|although|though|however|yet)\b/i;

/** The metrics a text names. */
export function metricsNamed(text: string): Set<AnomalyMetric> {
  const found = new Set<AnomalyMetric>();
  let rest = text;
  for (const [metric, re] of METRIC_TERMS) {
    rest = rest.replace(re, () => {
      found.add(metric);
      return ' ';
    });
  }
  return found;
}

/**
 * The metrics the text calls unusual although the day did not flag them: a clause that
 * uses an "unusual" word may name only flagged metrics.
 */
export function unflaggedMetricsCalledUnusual(text: string, flagged: ReadonlySet<AnomalyMetric>): AnomalyMetric[] {
  const wrong = new Set<AnomalyMetric>();
  for (const clause of text.split(CLAUSE_BREAK)) {
    if (!UNUSUAL.test(clause)) continue;
    for (const m of metricsNamed(clause)) if (!flagged.has(m)) wrong.add(m);
  }
  return [...wrong];
}

/** Diagnoses, illnesses and advice beyond rest, activity and sleep (food, drink, drugs, doctors). */
const OFF_LIMITS =
  /\b(?:diagnos\w*|disease|disorder|illness|ill|sick(?:ness)?|infection|infected|fever|covid|flu|virus|arrhythmia|afib|fibrillation|hypertension|symptoms?|doctor|physician|medic(?:al|ation|ine)s?|drugs?|supplements?|caffeine|coffee|alcohol|drink(?:s|ing)?|hydrat\w*|diet|eat(?:ing)?|meals?)\b/i;

/** Why an explanation must not be stored, or undefined when it may. */
export function explanationProblem(text: string, flagged: ReadonlySet<AnomalyMetric>): string | undefined {
  if (text.length === 0) return 'no text';
  const wrong = unflaggedMetricsCalledUnusual(text, flagged);
  if (wrong.length > 0) return `calls ${wrong.join(', ')} unusual, which the day did not flag`;
  const off = OFF_LIMITS.exec(text)?.[0];
  if (off !== undefined) return `says ${JSON.stringify(off.toLowerCase())} (no diagnosis, advice only about rest, activity and sleep)`;
  return undefined;
}
