import { type Sample, summarize } from '../../../protocol/telemetry';

/** The event the `ingest_telemetry` rule delivers: a telemetry v1 batch plus `thing` (topic(3)). */
export function batchEvent(thing: string, samples: Sample[], seq = 0, batchId = `b-${thing}-${seq}`): Record<string, unknown> {
  return { v: 1, batchId, seq, samples, summary: summarize(samples), thing };
}

/** `n` plausible samples one second apart, ending `endAgoMs` before `now`. */
export function samplesAt(now: number, n: number, endAgoMs = 1000, hrBase = 60): Sample[] {
  return Array.from({ length: n }, (_, i) => ({
    t: now - endAgoMs - (n - 1 - i) * 1000,
    hr: hrBase + (i % 90),
    steps: i % 7,
    hrvRmssd: 20 + (i % 50),
  }));
}
