/**
 * Reconnect delays with decorrelated jitter (AWS Architecture Blog, "Exponential Backoff
 * And Jitter", 2015): sleep = min(cap, random(base, 3 × previous sleep)). A fleet that
 * loses its broker at once then comes back spread out instead of in one wave.
 */
export class JitteredBackoff {
  private sleepMs: number;

  constructor(
    private readonly baseMs = 1_000,
    private readonly capMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {
    this.sleepMs = baseMs;
  }

  /** The wait before the next attempt. */
  next(): number {
    const hi = Math.max(this.baseMs, this.sleepMs * 3);
    this.sleepMs = Math.min(this.capMs, this.baseMs + this.random() * (hi - this.baseMs));
    return Math.round(this.sleepMs);
  }

  /** After a successful connect: start again from `base`. */
  reset(): void {
    this.sleepMs = this.baseMs;
  }
}

/**
 * Paces connects fleet-wide to `perSecond` (the `--connect-rate`): each caller waits for
 * its slot. A reconnect wave after a broker restart goes through the same pacing, so the
 * simulator's own TLS handshakes cannot starve its event loop.
 */
export class ConnectPacer {
  private nextSlot = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(perSecond > 0)) throw new RangeError(`connect rate must be > 0, got ${perSecond}`);
  }

  /** Milliseconds to wait before the caller may connect (its slot is taken). */
  reserve(): number {
    const t = this.now();
    const slot = Math.max(t, this.nextSlot);
    this.nextSlot = slot + 1000 / this.perSecond;
    return slot - t;
  }
}
