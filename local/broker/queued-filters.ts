import { TopicTrie } from './topic-trie';

/**
 * The QoS > 0 topic filters of persistent sessions, by client: the subscriptions
 * aedes-persistence's trie holds and a QoS 1 publish is queued for (QoS 0
 * subscriptions are not queued for, [MQTT-3.1.2-5]). A synchronous mirror, so the
 * broker can tell without a promise whether anyone queues for a topic.
 */
export class QueuedFilters {
  readonly #trie = new TopicTrie<string>();
  readonly #byClient = new Map<string, Map<string, () => void>>();

  /** Records `subs` of `clientId` as aedes-persistence's addSubscriptions does. */
  add(clientId: string, subs: ReadonlyArray<{ topic: string; qos: number }>): void {
    let mine = this.#byClient.get(clientId);
    for (const sub of subs) {
      mine?.get(sub.topic)?.();
      mine?.delete(sub.topic);
      if (sub.qos > 0) {
        if (!mine) {
          mine = new Map();
          this.#byClient.set(clientId, mine);
        }
        mine.set(sub.topic, this.#trie.add(sub.topic, clientId));
      }
    }
    if (mine?.size === 0) this.#byClient.delete(clientId);
  }

  /** Forgets the given filters of `clientId`, or all of them. */
  remove(clientId: string, topics?: readonly string[]): void {
    const mine = this.#byClient.get(clientId);
    if (!mine) return;
    for (const topic of topics ?? [...mine.keys()]) {
      mine.get(topic)?.();
      mine.delete(topic);
    }
    if (mine.size === 0) this.#byClient.delete(clientId);
  }

  /** True when some recorded filter matches `topic` (leading wildcards match `$` topics, as in aedes' trie). */
  has(topic: string): boolean {
    return this.#trie.has(topic, { wildcardsMatchDollar: true });
  }
}
