/** Latency figures shared by the benchmarks. */

function pct(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const v = sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  return v === undefined ? null : Math.round(v * 100) / 100;
}

/**
 * Count, p50, p99 and max of latencies in milliseconds (null when there are none).
 *
 * @example
 * latencySummary([1, 2, 3]) // { n: 3, p50Ms: 2, p99Ms: 3, maxMs: 3 }
 */
export function latencySummary(lat: number[]): { n: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null } {
  const s = [...lat].sort((a, b) => a - b);
  return { n: s.length, p50Ms: pct(s, 50), p99Ms: pct(s, 99), maxMs: pct(s, 100) };
}

/**
 * Paced phases leave their first second out of the latency figures, on both
 * sides of the wire (and report how many answers that was): a phase run on its
 * own (`--phases mqttPaced`) starts on code V8 has not optimized yet, and the
 * figures are meant to describe a server that has been running.
 */
export const PACED_WARMUP_MS = 1000;

/** The phases of bench/shadow-throughput.ts that {@link PACED_WARMUP_MS} applies to. */
export const PACED_PHASES: ReadonlySet<string> = new Set(['brokerPaced', 'mqttPaced']);
