/**
 * Spreads a burst of tasks over event-loop turns so that no single turn does all
 * of it: up to `perTurn` tasks run at once, later ones wait for the following
 * turns (setImmediate, so timers and socket I/O run in between), in arrival order.
 * Used for SUBSCRIBE: a fleet reconnecting sends thousands at once, and aedes
 * finishes each (SUBACK over TLS, retained lookup, `$SYS` event) in the check
 * phase after it was authorized, so releasing them all in one turn stalls the
 * loop for hundreds of milliseconds.
 */
export class BurstGate {
  private queue: Array<() => void> = [];
  private head = 0;
  private ranThisTurn = 0;
  private resetArmed = false;
  private draining = false;

  constructor(
    private readonly perTurn: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Runs `task` now if this turn has room and nothing is waiting, else in a later turn. */
  run(task: () => void): void {
    if (this.head === this.queue.length && this.ranThisTurn < this.perTurn) {
      this.ranThisTurn++;
      if (!this.resetArmed) {
        this.resetArmed = true;
        setImmediate(() => {
          this.resetArmed = false;
          this.ranThisTurn = 0;
        });
      }
      this.call(task);
      return;
    }
    this.queue.push(task);
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => this.drain());
    }
  }

  /** tasks waiting for a later turn */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  private drain(): void {
    this.draining = false;
    const end = Math.min(this.queue.length, this.head + this.perTurn);
    while (this.head < end) {
      const task = this.queue[this.head] as () => void;
      this.queue[this.head++] = noop;
      this.call(task);
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else {
      this.draining = true;
      setImmediate(() => this.drain());
    }
  }

  private call(task: () => void): void {
    try {
      task();
    } catch (err) {
      this.onError(err);
    }
  }
}

function noop(): void {}
