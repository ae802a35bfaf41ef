/**
 * Which topics anyone in the broker process could receive, known in the stack. A
 * shadow update answers on `update/accepted` and `update/documents` (and `delta`),
 * and the stack's shadow service skips answers nobody would receive (its bus's
 * `hasSubscribers`). With the broker in its own process the stack could not tell, so
 * every answer was built and sent over the channel: at 10,000 devices, with the
 * server-only `reasoning` state updated for every batch, that was about a tenth of the
 * stack's main thread (docs/fleet-scale.md). Now the broker process tells the stack
 * every topic filter a subscription was granted for, and the stack keeps them:
 *
 * - {@link InterestAnnouncer} (broker process): a filter not announced yet is sent to
 *   the stack, and the SUBACK waits until the stack has it. So once a client holds its
 *   SUBACK, whatever the stack publishes on a matching topic is sent: nothing a
 *   subscriber was promised is skipped. A filter already known costs nothing.
 * - {@link InterestMirror} (stack): the filters (with the stack's own observers' and the
 *   persisted sessions' ones, announced before `ready`); a topic none of them matches has
 *   nobody to receive it. Until the broker process is ready every topic counts.
 *
 * Filters are only ever added: a filter whose subscribers left keeps being sent to, as
 * before (a publish to nobody), and nothing has to be ordered with UNSUBSCRIBE or a
 * disconnect. The set grows with the distinct filters granted (a few per device).
 */
import { cachedTopicCheck } from '../broker/subscribers';
import { TopicTrie } from '../broker/topic-trie';

/** The stack's copy of the filters anyone in the broker process subscribes to. */
export class InterestMirror {
  readonly #trie = new TopicTrie<true>();
  readonly #filters = new Set<string>();
  // a leading wildcard matches `$` topics too, as aedes' matcher does: the conservative answer
  readonly #answers = cachedTopicCheck((topic) => this.#trie.has(topic, { wildcardsMatchDollar: true }));
  #complete = false;

  /** Adds filters (granted subscriptions, persisted sessions, the stack's observers). */
  add(filters: Iterable<string>): void {
    let added = false;
    for (const f of filters) {
      if (this.#filters.has(f)) continue;
      this.#filters.add(f);
      this.#trie.add(f, true);
      added = true;
    }
    // a cached false may now be true
    if (added) this.#answers.invalidate();
  }

  /** The broker process announced its persisted sessions' filters: answers may now be false. */
  complete(): void {
    this.#complete = true;
  }

  get size(): number {
    return this.#filters.size;
  }

  /** false only when no filter the broker process was told of matches `topic`. */
  has(topic: string): boolean {
    return !this.#complete || this.#answers.has(topic);
  }
}

/**
 * The broker process's side: each filter is announced to the stack once, and a SUBACK
 * for it waits for the stack's answer ({@link announce}).
 */
export class InterestAnnouncer {
  readonly #known = new Set<string>();
  readonly #waiting = new Map<string, Promise<void>>();

  /** `tell` sends filters to the stack and resolves once the stack has them. */
  constructor(private readonly tell: (filters: string[]) => Promise<void>) {}

  /** Filters the stack has already been told of (sent before `ready`). */
  told(filters: Iterable<string>): void {
    for (const f of filters) this.#known.add(f);
  }

  /**
   * undefined when the stack already knows `filter`; otherwise a promise that resolves
   * once it does (one message per filter however many subscribe to it meanwhile). A
   * failure (the stack is gone) also resolves: the SUBACK then goes out as before.
   */
  announce(filter: string): Promise<void> | undefined {
    if (this.#known.has(filter)) return undefined;
    const pending = this.#waiting.get(filter);
    if (pending) return pending;
    const told = this.tell([filter]).then(
      () => {
        this.#known.add(filter);
        this.#waiting.delete(filter);
      },
      () => {
        this.#waiting.delete(filter);
      },
    );
    this.#waiting.set(filter, told);
    return told;
  }
}
