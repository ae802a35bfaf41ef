/**
 * How messages cross the broker process's IPC channel: everything one side sends in a turn
 * of its event loop goes out as one array (one serialization and one write instead of one
 * per message), and the stack takes what it receives in slices, so the completions of its
 * own I/O (the Lambda queue's fsyncs, the gateway's sockets) run between them instead of
 * waiting behind thousands of device messages read at once.
 */

/** Collects messages and writes them as one array once per turn of the event loop. */
export class Outbox<M> {
  #pending: M[] = [];
  #scheduled = false;

  constructor(private readonly write: (batch: M[]) => void) {}

  push(m: M): void {
    this.#pending.push(m);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes what is queued now (before an exit, or when order with a direct write matters). */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.write(batch);
  }
}

/** Handles received messages in order, at most `slice` of them per turn of the event loop. */
export class SlicedInbox<M> {
  #queue: M[] = [];
  #head = 0;
  #scheduled = false;

  constructor(
    private readonly handle: (m: M) => void,
    private readonly slice: number,
    /** a handler that threw: reported, and the next message is handled */
    private readonly onError: (err: unknown, m: M) => void,
  ) {
    if (!Number.isInteger(slice) || slice < 1) throw new RangeError(`slice must be a positive integer, got ${slice}`);
  }

  /** messages received and not handled yet */
  get waiting(): number {
    return this.#queue.length - this.#head;
  }

  receive(batch: readonly M[]): void {
    for (const m of batch) this.#queue.push(m);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.waiting === 0) return;
    this.#scheduled = true;
    setImmediate(() => this.#drain());
  }

  #drain(): void {
    this.#scheduled = false;
    const end = Math.min(this.#queue.length, this.#head + this.slice);
    while (this.#head < end) {
      const m = this.#queue[this.#head] as M;
      this.#head += 1;
      try {
        this.handle(m);
      } catch (err) {
        this.onError(err, m);
      }
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 4096) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#schedule();
  }
}
