import type { InputRecord } from '../protocol/telemetry';
import { seededRandom } from '../common/seeded-random';

/** Scenarios the built-in watch simulator can play. */
export const WATCH_SCENARIOS = ['rest', 'run', 'stress', 'sleep'] as const;
export type WatchScenario = (typeof WATCH_SCENARIOS)[number];

interface Profile {
  hr: [number, number];
  hrv: [number, number];
  stepsPerMin: [number, number];
  spo2: [number, number];
  skin: [number, number];
  accel: [number, number];
  speedKmh: [number, number];
  weather: string;
}

// Plausible adult ranges; RMSSD falls with exertion and stress, rises in sleep.
const PROFILES: Record<WatchScenario, Profile> = {
  rest: { hr: [58, 72], hrv: [40, 70], stepsPerMin: [0, 6], spo2: [96, 99], skin: [32, 34], accel: [0.95, 1.05], speedKmh: [0, 0.5], weather: 'clear' },
  run: { hr: [140, 172], hrv: [8, 20], stepsPerMin: [150, 175], spo2: [93, 97], skin: [33, 35.5], accel: [1.8, 3.5], speedKmh: [9, 13], weather: 'clear' },
  stress: { hr: [88, 110], hrv: [12, 25], stepsPerMin: [0, 10], spo2: [95, 98], skin: [33.5, 35], accel: [0.95, 1.15], speedKmh: [0, 1], weather: 'overcast' },
  sleep: { hr: [48, 58], hrv: [55, 95], stepsPerMin: [0, 0], spo2: [94, 98], skin: [34, 35.5], accel: [0.98, 1.02], speedKmh: [0, 0], weather: 'clear' },
};

/** mulberry32, so a scenario replays identically (common/seeded-random.ts). */
export { seededRandom };

export interface WatchSimulatorOptions {
  scenario: WatchScenario;
  seed?: number;
  /** epoch ms of the first sample (default: now) */
  startMs?: number;
  intervalMs?: number;
  /** battery at start, 0..1 */
  battery?: number;
}

/**
 * Generates plausible watch samples plus phone context for a scenario: a smoothed
 * random walk inside the scenario's ranges, steps accumulated at its cadence, and a
 * battery that drains slowly. Every record satisfies `InputRecordSchema`.
 *
 * @example
 * const sim = new WatchSimulator({ scenario: 'run', seed: 7 });
 * const rec = sim.next(); // { t, hr, hrvRmssd, steps, spo2, skinTempC, accelG, context, battery }
 */
export class WatchSimulator {
  private readonly rnd: () => number;
  private readonly p: Profile;
  private t: number;
  private intervalMs: number;
  private battery: number;
  private level = 0.5;
  private stepCarry = 0;

  constructor(opts: WatchSimulatorOptions) {
    this.rnd = seededRandom(opts.seed ?? 1);
    this.p = PROFILES[opts.scenario];
    this.t = opts.startMs ?? Date.now();
    this.intervalMs = opts.intervalMs ?? 1_000;
    this.battery = opts.battery ?? 0.9;
  }

  /** Changes the sampling interval (the `config` shadow's `sampleIntervalMs`). */
  setIntervalMs(ms: number): void {
    this.intervalMs = ms;
  }

  /** The next sample, `intervalMs` after the previous one. */
  next(): InputRecord {
    // Mean-reverting walk in [0,1] shared by the vitals, so they move together.
    this.level = Math.min(1, Math.max(0, this.level + (this.rnd() - 0.5) * 0.2 + (0.5 - this.level) * 0.05));
    const at = ([lo, hi]: [number, number], jitter = 0.1): number => {
      const x = Math.min(1, Math.max(0, this.level + (this.rnd() - 0.5) * jitter));
      return lo + x * (hi - lo);
    };
    const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;
    this.stepCarry += (at(this.p.stepsPerMin, 0.3) * this.intervalMs) / 60_000;
    const steps = Math.floor(this.stepCarry);
    this.stepCarry -= steps;
    this.battery = Math.max(0, this.battery - this.intervalMs / 86_400_000);
    const rec: InputRecord = {
      t: Math.round(this.t),
      hr: Math.round(at(this.p.hr)),
      hrvRmssd: round(at(this.p.hrv, 0.4)),
      steps,
      spo2: Math.round(at(this.p.spo2, 0.5)),
      skinTempC: round(at(this.p.skin, 0.2)),
      accelG: round(at(this.p.accel, 0.5), 2),
      context: {
        altitudeM: round(120 + this.rnd() * 5),
        ambientTempC: 18,
        speedKmh: round(at(this.p.speedKmh, 0.3)),
        weather: this.p.weather,
      },
      battery: round(this.battery, 3),
    };
    this.t += this.intervalMs;
    return rec;
  }
}

export function isWatchScenario(s: string): s is WatchScenario {
  return (WATCH_SCENARIOS as readonly string[]).includes(s);
}
