import { PulsepetError } from '../../protocol/errors';

/**
 * At most `maxInFlight` calls running at once; the rest wait their turn in arrival order,
 * and past `maxWaiting` waiting a call is refused at once (`PP_ERR_LIMIT`), as a
 * service that throttles refuses it.
 *
 * Why the rules need it: the in-process Timestream action runs the real SDK client on the
 * stack's main thread, and a client does its middleware work (serializing, SigV4) in one
 * go for every call started. A burst of events started together (10,000 devices
 * disconnecting at once, each a lifecycle event the presence rule writes) used to hold
 * the event loop for seconds, broker included; through the gate each turn of the loop
 * starts at most `maxInFlight` calls.
 *
 * @example const gate = new ConcurrencyGate(64, 50_000); await gate.run(() => client.send(cmd));
 */
export class ConcurrencyGate {
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(
    readonly maxInFlight: number,
    readonly maxWaiting: number,
  ) {
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
    if (!Number.isInteger(maxWaiting) || maxWaiting < 0) throw new RangeError(`maxWaiting must be a non-negative integer, got ${maxWaiting}`);
  }

  /** calls running now */
  get running(): number {
    return this.#running;
  }

  /** calls waiting for a slot */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `call` once a slot is free; its result or error is the caller's. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#running >= this.maxInFlight) {
      if (this.#waiting.length >= this.maxWaiting) {
        throw new PulsepetError('PP_ERR_LIMIT', `too many calls: ${this.#running} running and ${this.#waiting.length} waiting`);
      }
      // the slot is handed over by the call that frees it (#running stays counted)
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await call();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
