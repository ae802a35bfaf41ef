/**
 * Latencies as measured, kept whole up to a bound (then a uniform reservoir sample, so a
 * long run's memory stays flat) and summarized by nearest-rank percentiles.
 */
export interface LatencySummary {
  /** events measured */
  n: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export class LatencyRecorder {
  private values: Float64Array;
  private size = 0;
  private seen = 0;
  private max = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly capacity = 1_000_000,
    private readonly random: () => number = Math.random,
  ) {
    this.values = new Float64Array(Math.min(capacity, 1024));
  }

  record(ms: number): void {
    this.seen++;
    if (ms > this.max) this.max = ms;
    if (this.size < this.capacity) {
      if (this.size === this.values.length) {
        const grown = new Float64Array(Math.min(this.capacity, this.values.length * 2));
        grown.set(this.values);
        this.values = grown;
      }
      this.values[this.size++] = ms;
      return;
    }
    // reservoir sampling (Vitter's algorithm R): each value kept with probability capacity/seen
    const j = Math.floor(this.random() * this.seen);
    if (j < this.capacity) this.values[j] = ms;
  }

  get count(): number {
    return this.seen;
  }

  /** Nearest-rank percentile (p in 0..100) of what was recorded; null when nothing was. */
  percentile(p: number): number | null {
    if (this.size === 0) return null;
    const sorted = this.values.slice(0, this.size).sort();
    return sorted[Math.min(this.size - 1, Math.max(0, Math.ceil((p / 100) * this.size) - 1))] ?? null;
  }

  summary(): LatencySummary {
    if (this.size === 0) return { n: 0, p50: null, p99: null, max: null };
    const sorted = this.values.slice(0, this.size).sort();
    const at = (p: number) => round1(sorted[Math.min(this.size - 1, Math.max(0, Math.ceil((p / 100) * this.size) - 1))] ?? 0);
    return { n: this.seen, p50: at(50), p99: at(99), max: round1(this.max) };
  }
}
