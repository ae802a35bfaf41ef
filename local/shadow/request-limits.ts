/**
 * Device Shadow request quotas, enforced locally as AWS does:
 * - 20 shadow requests per second per thing (token bucket, burst = rate);
 * - at most 10 in-flight requests per connection, else 429
 *   (https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-error-messages.html).
 * Quotas: https://docs.aws.amazon.com/general/latest/gr/iot-core.html#device-shadow-limits
 */

/** Per-thing rate and per-connection in-flight quotas. */
export interface RequestLimits {
  /** requests per second per thing; 0 disables the rate limit */
  requestsPerSecondPerThing: number;
  /** in-flight requests per connection (per thing for HTTP callers); 0 disables */
  maxInFlight: number;
}

/** AWS defaults: 20 requests/s per thing, 10 in flight. */
export const DEFAULT_REQUEST_LIMITS: Readonly<RequestLimits> = Object.freeze({
  requestsPerSecondPerThing: 20,
  maxInFlight: 10,
});

interface Bucket {
  tokens: number;
  at: number;
}

/** Per-key token buckets with an injectable clock (ms). */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private sweepAt = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {}

  /** Takes one token for `key`; false when the key is over its rate. */
  tryAcquire(key: string): boolean {
    if (this.perSecond <= 0) return true;
    const t = this.now();
    this.maybeSweep(t);
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.perSecond, at: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.perSecond, b.tokens + ((t - b.at) * this.perSecond) / 1000);
      b.at = t;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Forget buckets that are full again so the map does not grow forever. */
  private maybeSweep(t: number): void {
    if (t < this.sweepAt) return;
    this.sweepAt = t + 10_000;
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((t - b.at) * this.perSecond) / 1000 >= this.perSecond) this.buckets.delete(k);
    }
  }
}

/** {@link InFlight.leave} calls between sweeps of idle keys. */
const IN_FLIGHT_SWEEP_EVERY = 10_000;

/** Counts requests started but not yet answered, per key. */
export class InFlight {
  private readonly counts = new Map<string, number>();
  private leavesUntilSweep = IN_FLIGHT_SWEEP_EVERY;

  constructor(private readonly max: number) {}

  /** Enters `key`; false (and no change) when it already has `max` in flight. */
  tryEnter(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (this.max > 0 && n >= this.max) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  leave(key: string): void {
    // A key that drops to 0 keeps its entry until the next sweep: deleting it and
    // adding it back on the connection's next request (thousands a second) makes
    // V8 rebuild the map's table again and again, and each copy outlives a
    // young-generation GC.
    this.counts.set(key, Math.max(0, (this.counts.get(key) ?? 1) - 1));
    if (--this.leavesUntilSweep > 0) return;
    this.leavesUntilSweep = IN_FLIGHT_SWEEP_EVERY;
    for (const [k, n] of this.counts) if (n === 0) this.counts.delete(k);
  }

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Keys currently held, idle ones included until the next sweep (tests). */
  get size(): number {
    return this.counts.size;
  }
}
