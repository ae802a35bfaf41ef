/**
 * Client publishes waiting for their before-ack observers (the rules' durable hand-off
 * to the stack), counted so that the broker can stop reading more from the devices that
 * sent them while there are too many ({@link holdReadsWhileHandling}).
 *
 * @example
 * const backlog = new AckBacklog(1_000);
 * const pending = backlog.track(bus.beforeAck(packet, client));
 * if (backlog.holding) ...
 */
export class AckBacklog {
  #waiting = 0;
  #peak = 0;

  /** `holdAbove`: more publishes waiting than this, and {@link holding} is true. */
  constructor(private readonly holdAbove: number) {
    if (!Number.isInteger(holdAbove) || holdAbove < 0) throw new RangeError(`holdAbove must be a non-negative integer, got ${holdAbove}`);
  }

  /** Counts `pending` until it settles; returns it as it is (its rejection stays the caller's). */
  track<T>(pending: Promise<T> | undefined): Promise<T> | undefined {
    if (pending === undefined) return undefined;
    this.#waiting++;
    if (this.#waiting > this.#peak) this.#peak = this.#waiting;
    pending.then(this.#settled, this.#settled);
    return pending;
  }

  /** one callback for every tracked publish, not a closure each (this runs per publish) */
  readonly #settled = (): void => {
    this.#waiting--;
  };

  get holding(): boolean {
    return this.#waiting > this.holdAbove;
  }

  get waiting(): number {
    return this.#waiting;
  }

  /** the most publishes waiting at once so far */
  get peak(): number {
    return this.#peak;
  }
}
