import type { AedesOptions, PublishPacket } from 'aedes';
import type { BrokerAuthorizer } from './authz';
import type { HookDeps } from './hooks';
import { type BrokerLimits, topicViolation } from './limits';
import { isPrivateReplyTopic } from './private-replies';
import { markReason, type Session } from './session';

/** Why IoT Core refuses a PUBLISH (it then closes the connection with this lifecycle reason). */
export interface PublishRefusal {
  reason: 'CLIENT_ERROR' | 'AUTH_ERROR';
  message: string;
}

/**
 * Why IoT Core would refuse this PUBLISH from session `s`, if it would: QoS 2,
 * message-broker limits (message and topic size, slashes), the reserved `$SYS`
 * tree, `iot:Publish`, and `iot:RetainPublish` for a retained message.
 */
export function publishRefusal(
  s: Session,
  packet: Pick<PublishPacket, 'qos' | 'payload' | 'topic' | 'retain'>,
  limits: Pick<BrokerLimits, 'maxPayloadBytes' | 'maxTopicBytes' | 'maxTopicSlashes'>,
  authorizer: Pick<BrokerAuthorizer, 'allowedOnTopic'>,
): PublishRefusal | undefined {
  // IoT Core does not support QoS 2 and closes the connection.
  if (packet.qos === 2) return { reason: 'CLIENT_ERROR', message: 'QoS 2 is not supported' };
  const payloadBytes = Buffer.isBuffer(packet.payload) ? packet.payload.length : Buffer.byteLength(packet.payload);
  // message-broker limits, "Message size": 128 KB; larger publishes are rejected.
  if (payloadBytes > limits.maxPayloadBytes) return { reason: 'CLIENT_ERROR', message: `payload exceeds ${limits.maxPayloadBytes} bytes` };
  // message-broker limits, "Topic size" and "Maximum number of slashes in topic".
  const bad = topicViolation(packet.topic, limits);
  if (bad) return { reason: 'CLIENT_ERROR', message: bad };
  if (packet.topic.startsWith('$SYS')) return { reason: 'AUTH_ERROR', message: '$SYS topics are reserved' };
  // IoT Core on MQTT 3.1.1 closes the connection of an unauthorized publish.
  if (!authorizer.allowedOnTopic(s, 'iot:Publish', packet.topic)) return { reason: 'AUTH_ERROR', message: 'PUBLISH not authorized' };
  // A retained publish also needs iot:RetainPublish (IoT Core retained messages).
  if (packet.retain && !authorizer.allowedOnTopic(s, 'iot:RetainPublish', packet.topic)) {
    return { reason: 'AUTH_ERROR', message: 'retained PUBLISH not authorized' };
  }
  return undefined;
}

/**
 * The PUBLISH hooks: {@link publishRefusal} and the publish rate on the way in,
 * `iot:Receive` on every delivery (a denied message is silently not delivered), and
 * an addressed message (a private reply) only to the connection it is addressed to.
 */
export function createPublishHooks(deps: HookDeps): Pick<AedesOptions, 'authorizePublish' | 'authorizeForward'> {
  const { limits, authorizer, log, connections } = deps;
  return {
    authorizePublish(client, packet, callback) {
      // client is null for wills of a vanished broker: published as the cloud
      if (!client) return callback(null);
      const s = connections.sessionOf(client);
      if (!s) return callback(new Error('no session'));
      const refusal = publishRefusal(s, packet, limits, authorizer);
      if (refusal !== undefined) {
        // a will checked while the connection closes: refuse quietly, do not change the reason
        if (!client.closed) {
          markReason(s, refusal.reason);
          log.warn({ clientId: client.id, topic: packet.topic.slice(0, 300), reason: refusal.reason }, refusal.message);
        }
        return callback(new Error(refusal.message));
      }
      // A throttled publish is acknowledged but not routed (publish-throttle.ts): no observers.
      if (client.closed || !deps.throttle.take(s, client.id, packet)) return callback(null);
      // IoT Core acknowledges a QoS 1 publish once it has accepted the message, rules
      // included: what they hand over (a Lambda event) is durable before the PUBACK.
      const pending = deps.beforeAck(packet, client);
      if (packet.qos === 0) routeQos0InOrder(s, pending, callback);
      else routeThenAcknowledge(s, pending, () => deps.routeNow(packet, client), (err) => {
        log.debug({ err, clientId: client.id, topic: packet.topic.slice(0, 300) }, 'publish not routed; not acknowledged');
        callback(err);
      }, callback);
    },

    authorizeForward(client, packet) {
      const s = connections.sessionOf(client);
      if (!s) return null;
      const to = deps.addresseeOf(packet);
      if (to !== undefined ? to !== s.id : isPrivateReplyTopic(packet.topic)) return null;
      if (!authorizer.allowedOnTopic(s, 'iot:Receive', packet.topic)) return null;
      return packet;
    },
  };
}

type Tails = Pick<Session, 'routeTail' | 'ackTail'>;

/** All of `a` and `b` that exist, as one promise (undefined when neither does). */
function both(a: Promise<unknown> | undefined, b: Promise<unknown> | undefined): Promise<unknown> | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Promise.all([a, b]);
}

/**
 * Chains a publish behind the routing of the connection's earlier ones (every topic is
 * an Ordered Topic, MQTT 3.1.1 section 4.6, [MQTT-4.6.0-6]): one whose before-ack
 * observers finish first still waits for those before it. Returns the promise after
 * which this publish may be routed (undefined: at once).
 */
function inRouteOrder(s: Tails, pending: Promise<void> | undefined): Promise<void> | undefined {
  const ready = both(s.routeTail, pending);
  if (ready === undefined) return undefined;
  const started: Promise<void> = ready.then(() => {
    if (s.routeTail === started) s.routeTail = undefined;
  });
  s.routeTail = started;
  return started;
}

/** QoS 0: aedes routes the publish as soon as the hook calls back. */
function routeQos0InOrder(s: Tails, pending: Promise<void> | undefined, callback: (err: Error | null) => void): void {
  const started = inRouteOrder(s, pending);
  if (started === undefined) callback(null);
  else void started.then(() => callback(null));
}

/**
 * QoS 1: routed (retained store, persistent-session queues, subscribers, observers)
 * before the PUBACK, not after it as aedes would (publish-routing.ts). Routing starts
 * in arrival order without waiting for the routing before it to finish; PUBACKs go
 * out in arrival order [MQTT-4.6.0-2]. A publish the broker could not route (it is
 * closing) is not acknowledged: `refuse` closes the connection and the device sends it again.
 */
function routeThenAcknowledge(
  s: Tails,
  pending: Promise<void> | undefined,
  route: () => Promise<void>,
  refuse: (err: Error) => void,
  acknowledge: (err: null) => void,
): void {
  const started = inRouteOrder(s, pending);
  const routed = started === undefined ? route() : started.then(route);
  const outcome = routed.then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );
  const prevAck = s.ackTail;
  const acked: Promise<void> = (prevAck === undefined ? outcome : Promise.all([prevAck, outcome]).then(([, e]) => e)).then((err) => {
    if (s.ackTail === acked) s.ackTail = undefined;
    if (err === undefined) acknowledge(null);
    else refuse(err);
  });
  s.ackTail = acked;
}
