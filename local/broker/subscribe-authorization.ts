import type { AedesOptions } from 'aedes';
import type { BrokerAuthorizer } from './authz';
import { BurstGate } from './burst-gate';
import type { HookDeps } from './hooks';
import { type BrokerLimits, topicViolation } from './limits';
import type { Session } from './session';

/**
 * Subscriptions authorized per event-loop turn before the rest wait for later
 * turns: aedes completes each in the next turn (SUBACK, retained lookup), ~0.1 ms
 * apiece, so a burst of thousands (fleet reconnect) would otherwise stall the loop.
 */
export const SUBSCRIBES_PER_TURN = 32;

/**
 * Why a topic filter is refused (SUBACK 0x80) for session `s`, if it is:
 * message-broker limits ("Topic size", slashes, "Subscriptions per connection")
 * and `iot:Subscribe` on `topicfilter/{filter}`.
 */
export function subscriptionRefusal(
  s: Session,
  filter: string,
  limits: Pick<BrokerLimits, 'maxTopicBytes' | 'maxTopicSlashes' | 'maxSubscriptionsPerConnection'>,
  authorizer: Pick<BrokerAuthorizer, 'allowedOnTopic'>,
): string | undefined {
  const bad = topicViolation(filter, limits);
  if (bad) return bad;
  if (!authorizer.allowedOnTopic(s, 'iot:Subscribe', filter)) return 'not authorized';
  if (!s.subscriptions.has(filter) && s.subscriptions.size >= limits.maxSubscriptionsPerConnection) return 'per-connection limit';
  return undefined;
}

/** The SUBSCRIBE hook: {@link subscriptionRefusal}, spread over turns by a {@link BurstGate}. */
export function createSubscribeHook(deps: HookDeps): Pick<AedesOptions, 'authorizeSubscribe'> {
  const { limits, authorizer, log, connections } = deps;
  const gate = new BurstGate(SUBSCRIBES_PER_TURN, (err) => log.error({ err }, 'subscription authorization failed'));
  type Args = Parameters<NonNullable<AedesOptions['authorizeSubscribe']>>;

  function authorize(...[client, sub, callback]: Args): void {
    const s = connections.sessionOf(client);
    if (!s) {
      callback(new Error('no session'));
      return;
    }
    const refusal = subscriptionRefusal(s, sub.topic, limits, authorizer);
    if (refusal !== undefined) {
      // the authorizer logs its own denials
      if (refusal !== 'not authorized') log.info({ clientId: client.id, topicFilter: sub.topic.slice(0, 300) }, `subscription refused: ${refusal}`);
      callback(null, null);
      return;
    }
    s.subscriptions.add(sub.topic);
    deps.subscriptionGranted();
    // the stack in another process learns the filter before the SUBACK (broker-process/interest.ts)
    const told = deps.announceSubscription?.(sub.topic);
    if (told === undefined) callback(null, sub);
    else void told.then(() => callback(null, sub));
  }

  return {
    authorizeSubscribe(client, sub, callback) {
      gate.run(() => authorize(client, sub, callback));
    },
  };
}
