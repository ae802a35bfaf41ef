/**
 * Scenario time for a fleet run. With speedup K over a run of wall duration D, scenario
 * time runs K× wall time and starts (K − 1)·D in the past:
 *
 *   scenario(w) = w₀ − (K − 1)·D + K·(w − w₀)        for wall time w in [w₀, w₀ + D]
 *
 * so scenario(w) ≤ w throughout and the run's last sample lands at the wall clock's
 * "now" when it ends: no sample is ever in the future (Timestream refuses records more
 * than 15 minutes ahead), and K·D of scenario time — a day in minutes at K = 144 — is
 * written as history the daily summary and the reasoning window read like any other.
 * Sample timestamps are scenario time, so they stay consistent (1 s apart at 1 Hz).
 *
 * A run may instead start scenario time at a given moment (not in the future): to carry
 * on the timeline of earlier runs, as `pulsepet demo` does across restarts. Scenario time
 * then still never passes the wall clock: once it reaches it, it runs at 1×.
 */
export interface ScenarioClock {
  /** wall epoch ms at the start of the run */
  readonly wallStart: number;
  /** scenario epoch ms at the start of the run */
  readonly scenarioStart: number;
  readonly speedup: number;
  readonly durationMs: number;
  /** the scenario time now (epoch ms) */
  now(): number;
  /** the scenario time at wall time `wall` */
  at(wall: number): number;
}

/**
 * @example
 * const c = scenarioClock({ durationMs: 600_000, speedup: 144 }); // a day in 10 minutes
 * c.scenarioStart; // ≈ Date.now() − 143 × 10 min
 */
export function scenarioClock(o: { durationMs: number; speedup: number; wallNow?: () => number; scenarioStart?: number }): ScenarioClock {
  if (!(o.speedup >= 1) || !Number.isFinite(o.speedup)) throw new RangeError(`speedup must be ≥ 1, got ${o.speedup}`);
  if (!(o.durationMs > 0) || !Number.isFinite(o.durationMs)) throw new RangeError(`duration must be > 0 ms, got ${o.durationMs}`);
  const wallNow = o.wallNow ?? Date.now;
  const wallStart = wallNow();
  if (o.scenarioStart !== undefined && !(Number.isFinite(o.scenarioStart) && o.scenarioStart <= wallStart)) {
    throw new RangeError(`the scenario start must not be in the future, got ${new Date(o.scenarioStart).toISOString()}`);
  }
  // whole milliseconds: sample times are integers (telemetry v1), also at a fractional speedup
  const scenarioStart = Math.round(o.scenarioStart ?? wallStart - (o.speedup - 1) * o.durationMs);
  const at = (wall: number) => Math.round(scenarioStart + o.speedup * (wall - wallStart));
  // never ahead of the wall clock, also while a stopping run drains past its duration
  const now = () => {
    const w = wallNow();
    return Math.min(at(w), w);
  };
  return { wallStart, scenarioStart, speedup: o.speedup, durationMs: o.durationMs, at, now };
}
