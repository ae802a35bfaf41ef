import type { TopicTrie } from './topic-trie';

/** A persistence that can tell synchronously whether a topic would be queued for an offline session. */
interface QueueAware {
  hasQueuedSubscriptionFor(topic: string): boolean;
}

function isQueueAware(p: object | undefined): p is QueueAware {
  return typeof (p as Partial<QueueAware> | undefined)?.hasQueuedSubscriptionFor === 'function';
}

/** The broker's "could anyone receive this topic?" check and its cache control. */
export interface SubscriberCheck {
  /** false only when nobody (observer, online subscription, queued offline session) would receive `topic` */
  has(topic: string): boolean;
  /** forget cached answers: a subscription or observer may have been added */
  invalidate(): void;
}

/** Cached answers kept before the cache starts over (topics are per thing). */
const MAX_CACHED_TOPICS = 20_000;

/**
 * Builds the broker's "could anyone receive a publish on this topic?" check, for
 * publishers that would otherwise build messages nobody gets (a shadow service
 * answering on `.../accepted` with no subscriber). It answers false only when all
 * three are empty for the topic: in-process observers, aedes' own routing table
 * (every online subscription, also restored persistent ones) and the persistence's
 * queued subscriptions of offline persistent sessions (QoS 1 publishes are queued
 * for them, [MQTT-3.1.2-5]). With a persistence that cannot answer synchronously it
 * always says true.
 *
 * `online` is aedes' routing table ({@link import('./aedes-internals').onlineSubscriptionCheck}).
 *
 * Answers are cached per topic until {@link SubscriberCheck.invalidate}, which the
 * broker calls whenever a subscription or observer may have been added (a granted
 * SUBSCRIBE before aedes stores it, a restored session, `onPublish`); a removal
 * only leaves a cached true behind, which costs a publish to nobody.
 */
export function createSubscriberCheck(
  online: (topic: string) => boolean,
  persistence: object | undefined,
  observers: TopicTrie<unknown>,
): SubscriberCheck {
  if (!isQueueAware(persistence)) return { has: () => true, invalidate: () => {} };
  return cachedTopicCheck((topic) => observers.has(topic) || persistence.hasQueuedSubscriptionFor(topic) || online(topic));
}

/**
 * `check`'s answers cached per topic (at most {@link MAX_CACHED_TOPICS}, then the cache
 * starts over) until `invalidate()`, for a check that only turns from false to true when
 * its owner says so.
 */
export function cachedTopicCheck(check: (topic: string) => boolean): SubscriberCheck {
  let cache = new Map<string, boolean>();
  return {
    has(topic) {
      const known = cache.get(topic);
      if (known !== undefined) return known;
      const answer = check(topic);
      if (cache.size >= MAX_CACHED_TOPICS) cache = new Map();
      cache.set(topic, answer);
      return answer;
    },
    invalidate() {
      if (cache.size > 0) cache = new Map();
    },
  };
}
