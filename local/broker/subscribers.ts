import type { Aedes } from 'aedes';
import type { TopicTrie } from './topic-trie';

/** What aedes 1.x's mqemitter keeps its routing table in (pinned version). */
interface AedesRouting {
  mq?: { _matcher?: { match(topic: string): unknown[] } };
}

/** A persistence that can tell synchronously whether a topic would be queued for an offline session. */
interface QueueAware {
  hasQueuedSubscriptionFor(topic: string): boolean;
}

function isQueueAware(p: object | undefined): p is QueueAware {
  return typeof (p as Partial<QueueAware> | undefined)?.hasQueuedSubscriptionFor === 'function';
}

/**
 * Builds the broker's "could anyone receive a publish on this topic?" check, for
 * publishers that would otherwise build messages nobody gets (a shadow service
 * answering on `.../accepted` with no subscriber). It answers false only when all
 * three are empty for the topic: in-process observers, aedes' own routing table
 * (every online subscription, also restored persistent ones) and the persistence's
 * queued subscriptions of offline persistent sessions (QoS 1 publishes are queued
 * for them, [MQTT-3.1.2-5]). With a persistence that cannot answer synchronously it
 * always says true.
 */
export function createSubscriberCheck(
  broker: Aedes,
  persistence: object | undefined,
  observers: TopicTrie<unknown>,
): (topic: string) => boolean {
  const matcher = (broker as unknown as AedesRouting).mq?._matcher;
  if (typeof matcher?.match !== 'function') throw new Error('aedes has no mq._matcher; the aedes version is not supported');
  if (!isQueueAware(persistence)) return () => true;
  return (topic) => observers.has(topic) || persistence.hasQueuedSubscriptionFor(topic) || matcher.match(topic).length > 0;
}
