/**
 * Which functions come first when the machine is short of CPU.
 *
 * On AWS every function scales on its own hardware; locally every function's execution
 * environments, and every AWS call they make to the gateway, share the same few cores.
 * Under sustained overload (more telemetry than the machine can reason about) each
 * function's backlog then grows until the queue's bound refuses its events, and a refused
 * ingest event is an acknowledged batch missing from the store (its rule's errorAction
 * keeps it as a dead letter). The functions named here come first: while one of them has
 * `backlog` events or more waiting, every other function starts at most
 * `yieldedConcurrency` attempts at once, and the others go back to their full
 * concurrency once every first function's waiting events are under half of `backlog`
 * (hysteresis, so a backlog near the mark does not flip the state on each event).
 *
 * Nothing is refused or reordered within a function: the others only start fewer attempts
 * at once for a while, and their events wait in the queue, on disk, as before.
 */
export interface QueuePriority {
  /** the functions that come first (for pulsepet: the ingest function, the store's writer) */
  functions: readonly string[];
  /** waiting events of one first function at which the others yield (default 256) */
  backlog?: number;
  /** attempts each other function may run at once while they yield (default 4) */
  yieldedConcurrency?: number;
}

const DEFAULT_PRIORITY_BACKLOG = 256;
const DEFAULT_YIELDED_CONCURRENCY = 4;

export class LanePriority {
  private readonly first: ReadonlySet<string>;
  private readonly backlog: number;
  private readonly yielded: number;
  private readonly waiting = new Map<string, number>();
  private yieldingNow = false;
  /** times the other functions started yielding */
  yieldSpells = 0;

  constructor(
    priority: QueuePriority | undefined,
    private readonly concurrency: number,
  ) {
    this.first = new Set(priority?.functions ?? []);
    this.backlog = Math.max(1, priority?.backlog ?? DEFAULT_PRIORITY_BACKLOG);
    this.yielded = Math.max(1, Math.min(concurrency, priority?.yieldedConcurrency ?? DEFAULT_YIELDED_CONCURRENCY));
  }

  get yielding(): boolean {
    return this.yieldingNow;
  }

  /** Attempts `name` may run at once now. */
  limit(name: string): number {
    return this.yieldingNow && !this.first.has(name) ? this.yielded : this.concurrency;
  }

  /**
   * Records how many events of `name` wait to start. Returns true when this ends a spell
   * of yielding: the caller then starts the other functions' waiting events.
   */
  observe(name: string, waiting: number): boolean {
    if (!this.first.has(name)) return false;
    this.waiting.set(name, waiting);
    let most = 0;
    for (const n of this.waiting.values()) most = Math.max(most, n);
    if (!this.yieldingNow && most >= this.backlog) {
      this.yieldingNow = true;
      this.yieldSpells++;
      return false;
    }
    if (this.yieldingNow && most < this.backlog / 2) {
      this.yieldingNow = false;
      return true;
    }
    return false;
  }
}
