/**
 * Reconnect pacing. Delays follow "decorrelated jitter" from the AWS Architecture
 * Blog post "Exponential Backoff And Jitter" (2015):
 *   sleep = min(cap, random_between(base, sleep * 3))
 * which spreads a fleet's reconnects after a broker outage instead of synchronizing
 * them. After a connection has stayed up for `resetAfterMs` the delay starts over
 * from `base`. Independently, CONNECTs are spaced at least `minConnectIntervalMs`
 * apart: IoT Core throttles more than one connect per second per client id
 * (https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits).
 */
export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  resetAfterMs?: number;
  minConnectIntervalMs?: number;
  /** uniform [0,1) source; injectable for deterministic tests */
  random?: () => number;
  now?: () => number;
}

export class ReconnectBackoff {
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly resetAfterMs: number;
  private readonly minConnectIntervalMs: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private sleepMs: number;
  private lastConnectAt = Number.NEGATIVE_INFINITY;
  private connectedAt: number | undefined;

  constructor(opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? 1_000;
    this.capMs = opts.capMs ?? 120_000;
    this.resetAfterMs = opts.resetAfterMs ?? 30_000;
    this.minConnectIntervalMs = opts.minConnectIntervalMs ?? 1_000;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.sleepMs = this.baseMs;
  }

  /** Delay before the next reconnect attempt (after a failure or a lost connection). */
  nextDelayMs(): number {
    const hi = Math.max(this.baseMs, this.sleepMs * 3);
    this.sleepMs = Math.min(this.capMs, this.baseMs + this.random() * (hi - this.baseMs));
    return Math.round(Math.max(this.sleepMs, this.waitBeforeConnectMs()));
  }

  /** Milliseconds to wait so that this CONNECT is at least `minConnectIntervalMs` after the last one. */
  waitBeforeConnectMs(): number {
    return Math.max(0, this.lastConnectAt + this.minConnectIntervalMs - this.now());
  }

  /** Call when a CONNECT is sent. */
  connectAttempted(): void {
    this.lastConnectAt = this.now();
  }

  /** Call on CONNACK. */
  connected(): void {
    this.connectedAt = this.now();
  }

  /** Call when an established connection is lost; resets the delay if it was stable. */
  disconnected(): void {
    if (this.connectedAt !== undefined && this.now() - this.connectedAt >= this.resetAfterMs) this.sleepMs = this.baseMs;
    this.connectedAt = undefined;
  }
}

/**
 * A token bucket bounding publishes per second on one connection (IoT Core allows
 * 100 publishes/s per connection; the default 90 leaves a margin). The default burst
 * is one token, so any one-second window holds at most rate + 1 publishes even after
 * network jitter bunches them up on the broker side.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst = 1,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = this.now();
  }

  /** Takes a token; returns 0 if one was available, else the ms to wait before trying again. */
  take(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.perSecond) / 1000);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }
}
