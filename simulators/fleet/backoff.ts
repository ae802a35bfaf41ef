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

/**
 * Bounds the connects in progress fleet-wide (TCP, TLS handshake, CONNECT until CONNACK
 * or failure): past `max`, a device waits here, first come first served, until one
 * settles. A fixed `--connect-rate` alone keeps sending connects when the broker answers
 * slower than that: they pile up in its accept queue, time out on the device's CONNACK
 * deadline after the broker has spent a handshake on them, and come back as retries, so
 * fewer get through the busier it is. With the window, a slow broker slows the fleet's
 * connects instead, and every handshake it does is for a device still waiting.
 */
export class ConnectWindow {
  private inProgress = 0;
  private readonly waiting: Array<() => void> = [];
  private head = 0;

  constructor(private readonly max: number) {
    if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`connect window must be an integer >= 1, got ${max}`);
  }

  /** Runs `start` now if fewer than `max` connects are in progress, else once a slot frees; `start` must end with {@link leave}. */
  enter(start: () => void): void {
    if (this.inProgress < this.max) {
      this.inProgress++;
      start();
      return;
    }
    this.waiting.push(start);
  }

  /** A connect settled (connected, failed or abandoned): the next waiting one starts. */
  leave(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head] as () => void;
      this.waiting[this.head++] = noop;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      next();
      return;
    }
    this.inProgress = Math.max(0, this.inProgress - 1);
  }

  /** connects in progress and waiting (progress figures) */
  get stats(): { inProgress: number; waiting: number } {
    return { inProgress: this.inProgress, waiting: this.waiting.length - this.head };
  }
}

const noop = (): void => {};
