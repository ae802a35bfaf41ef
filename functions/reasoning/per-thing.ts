/**
 * Runs one thing's invocations one after another, different things' side by side, within
 * one execution environment.
 *
 * A device that reconnects flushes its backlog: its batches reach the function together.
 * Run side by side they all read the same state, all rebuild the window from the store
 * (their own earlier batches are stored by then, so the store scans instead of pruning),
 * all predict, and all but one lose the versioned write and start over: work quadratic in
 * the backlog, and past the loop's attempts an invocation fails and Lambda runs it again.
 * One after another, each starts from the state the one before committed (from the
 * environment's shadow copy, without a read). On AWS an environment runs one invocation
 * at a time, so this never waits there; concurrent environments still meet at the
 * versioned write, as before.
 */
export class PerThing {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `task` once every earlier task of `thing` here has settled; at once for no thing. */
  run<T>(thing: string | undefined, task: () => Promise<T>): Promise<T> {
    if (thing === undefined) return task();
    const before = this.tails.get(thing) ?? Promise.resolve();
    const result = before.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(thing, tail);
    void tail.then(() => {
      if (this.tails.get(thing) === tail) this.tails.delete(thing);
    });
    return result;
  }

  /** things with an invocation running or waiting */
  get size(): number {
    return this.tails.size;
  }
}

/** The `thing` of an event (telemetry or persona), if it names one. */
export function thingOf(event: unknown): string | undefined {
  const thing = typeof event === 'object' && event !== null ? (event as { thing?: unknown }).thing : undefined;
  return typeof thing === 'string' ? thing : undefined;
}
