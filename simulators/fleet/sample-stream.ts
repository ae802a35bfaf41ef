/**
 * One device's samples: its recording played in a loop from the device's own phase, at
 * its sampling interval, on the scenario clock. A sample due at scenario time T reads the
 * recording at second ((T − origin + phase) mod length); its steps are those taken since
 * the previous sample, so step counts stay right at any interval. A gap in the recording
 * (the watch recorded nothing) yields no sample, as on a real watch.
 */
import type { BatchRecord, Sample } from '../../protocol/telemetry';
import type { Recording } from './live-scenarios';

const MIN_INTERVAL_MS = 100;

export interface SampleStreamOptions {
  recording: Recording;
  /** scenario epoch ms the first sample is due at */
  startMs: number;
  /** where in the recording the device starts, ms */
  phaseMs: number;
  intervalMs: number;
  /** battery at start, 0..1; drains by a day of scenario time per 0.5 */
  battery?: number;
}

export class SampleStream {
  private recording: Recording;
  private nextDue: number;
  private lastSecond: number;
  private intervalMs: number;
  private readonly origin: number;
  private readonly phaseMs: number;
  private readonly battery0: number;

  constructor(o: SampleStreamOptions) {
    this.recording = o.recording;
    this.origin = o.startMs;
    this.phaseMs = o.phaseMs;
    this.nextDue = o.startMs;
    this.intervalMs = Math.max(MIN_INTERVAL_MS, o.intervalMs);
    this.lastSecond = -1;
    this.battery0 = o.battery ?? 0.9;
  }

  /** The config shadow's `sampleIntervalMs`: applies from the next sample on. */
  setIntervalMs(ms: number): void {
    this.intervalMs = Math.max(MIN_INTERVAL_MS, ms);
  }

  get sampleIntervalMs(): number {
    return this.intervalMs;
  }

  /** Scenario time of the next sample due. */
  get nextDueMs(): number {
    return this.nextDue;
  }

  /** Every sample due up to scenario time `untilMs` (inclusive), oldest first, at most `max`. */
  take(untilMs: number, max = Number.POSITIVE_INFINITY): BatchRecord[] {
    const out: BatchRecord[] = [];
    const r = this.recording;
    const lengthMs = r.lengthS * 1000;
    while (this.nextDue <= untilMs && out.length < max) {
      const t = this.nextDue;
      this.nextDue += this.intervalMs;
      const offset = (((t - this.origin + this.phaseMs) % lengthMs) + lengthMs) % lengthMs;
      const second = Math.floor(offset / 1000);
      const steps = this.stepsSince(second);
      const s = sampleAt(r, second, t, steps);
      if (s === undefined) continue;
      const altitudeM = r.altitudeByMinute[Math.floor(second / 60)];
      const b = Math.max(0.05, this.battery0 - (t - this.origin) / (2 * 86_400_000));
      out.push({ s, ...(altitudeM === undefined ? {} : { c: { altitudeM } }), b: Math.round(b * 1000) / 1000 });
    }
    return out;
  }

  /** Steps in the seconds after the previous sample's, up to and including `second` (wrapping). */
  private stepsSince(second: number): number {
    const r = this.recording;
    // sampling faster than 1 Hz: the second's steps went with its first sample
    if (second === this.lastSecond) return 0;
    let from = this.lastSecond + 1;
    this.lastSecond = second;
    if (from === 0 && second > 0) from = second; // the first sample counts only its own second
    let steps = 0;
    const n = r.lengthS;
    // a wrap (or an interval longer than the recording) walks at most one full loop
    for (let k = 0, s = from % n; k < n; k++, s = (s + 1) % n) {
      steps += r.steps[s] ?? 0;
      if (s === second) break;
    }
    return steps;
  }
}

const r1 = (x: number) => Math.round(x * 10) / 10;

/** The recording's second as a telemetry v1 sample at time t, or undefined in a gap. */
function sampleAt(r: Recording, second: number, t: number, steps: number): Sample | undefined {
  const hr = r.hr[second] ?? Number.NaN;
  if (Number.isNaN(hr)) return undefined;
  const s: Sample = { t, hr: r1(hr) };
  const hrv = r.hrvRmssd[second] ?? Number.NaN;
  if (!Number.isNaN(hrv)) s.hrvRmssd = r1(hrv);
  s.steps = steps;
  const skin = r.skinTempC[second] ?? Number.NaN;
  if (!Number.isNaN(skin)) s.skinTempC = Math.round(skin * 100) / 100;
  const accel = r.accelG[second] ?? Number.NaN;
  if (!Number.isNaN(accel)) s.accelG = Math.round(accel * 1000) / 1000;
  return s;
}
