import type { EventEmitter } from 'node:events';
import type { Aedes, AedesOptions, AuthenticateError, Client, PublishPacket } from 'aedes';
import type { Logger } from '../../common/logger';
import type { BrokerAuthorizer } from './authz';
import { BurstGate } from './burst-gate';
import { type BrokerLimits, effectiveKeepAlive, TokenBucket, topicViolation } from './limits';
import { markReason, type Session } from './session';

/** Everything the aedes hooks need; filled in by startBroker. */
export interface HookDeps {
  limits: Readonly<BrokerLimits>;
  authorizer: BrokerAuthorizer;
  log: Logger;
  sessionOf(client: Client | null | undefined): Session | undefined;
  /** the aedes instance, once created (duplicate client-id takeover lookup) */
  aedes(): Aedes | undefined;
  /** a CONNECT was refused by policy (lifecycle `connect_failed` event) */
  connectRefused(s: Session): void;
  /** publishes the broker must acknowledge but not route (throttled) */
  throttled: WeakSet<object>;
  /** a subscription is about to be stored (cached "nobody subscribes" answers are stale) */
  subscriptionGranted(): void;
}

const THROTTLE_LOG_INTERVAL_MS = 1000;
/**
 * Subscriptions authorized per event-loop turn before the rest wait for later
 * turns: aedes completes each in the next turn (SUBACK, retained lookup), ~0.1 ms
 * apiece, so a burst of thousands (fleet reconnect) would otherwise stall the loop.
 */
const SUBSCRIBES_PER_TURN = 32;
const MAX_CLIENT_ID_BYTES = 128;

function refuse(message: string, returnCode: 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode });
}

/**
 * The aedes authorization hooks implementing IoT Core's policy checks and
 * per-connection limits. Each denial path names what IoT Core does
 * (https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-actions.html,
 * https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits).
 */
export function createHooks(
  deps: HookDeps,
): Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'> {
  const { limits, authorizer, log } = deps;
  const subscribeGate = new BurstGate(SUBSCRIBES_PER_TURN, (err) => log.error({ err }, 'subscription authorization failed'));

  return {
    preConnect(client, packet, callback) {
      const s = deps.sessionOf(client);
      if (!s) return callback(new Error('connection has no authenticated session'), false);
      // Keep-alive is clamped to IoT Core's range, 0 meaning its maximum
      // (message-broker limits: "Keep-alive duration"); aedes arms its 1.5× timer from this.
      packet.keepalive = effectiveKeepAlive(packet.keepalive ?? 0, limits);
      callback(null, true);
    },

    authenticate(client, _username, _password, done) {
      const s = deps.sessionOf(client);
      if (!s) return done(refuse('no session', 5), false);
      // message-broker limits, "Client ID size": 128 bytes.
      if (Buffer.byteLength(client.id, 'utf8') > MAX_CLIENT_ID_BYTES) {
        log.warn({ clientIdBytes: Buffer.byteLength(client.id, 'utf8') }, 'CONNECT refused: client id too long');
        return done(Object.assign(new Error('identifier rejected'), { returnCode: 2 as const }), false);
      }
      s.clientId = client.id;
      s.thingName = authorizer.resolveThingName(s);
      if (!authorizer.allowed(s, 'iot:Connect', authorizer.clientArn(client.id))) {
        s.reason = 'AUTH_ERROR';
        log.warn({ clientId: client.id, principal: principalOf(s) }, 'CONNECT refused by policy');
        deps.connectRefused(s);
        // IoT Core hangs up without a CONNACK when iot:Connect is denied (clients see
        // e.g. AWS_ERROR_MQTT_UNEXPECTED_HANGUP); aedes skips its CONNACK once closed.
        client.conn.destroy();
        setImmediate(() => done(refuse('not authorized', 5), false));
        return;
      }
      // [MQTT-3.1.4-2] aedes closes the older connection with this client id; IoT Core
      // reports that one as DUPLICATE_CLIENTID.
      const registered = (deps.aedes() as unknown as { clients?: Record<string, Client> } | undefined)?.clients;
      const previous = registered?.[client.id];
      if (previous && previous !== client) {
        const ps = deps.sessionOf(previous);
        if (ps) markReason(ps, 'DUPLICATE_CLIENTID');
      }
      done(null, true);
    },

    authorizePublish(client, packet, callback) {
      // client is null for wills of a vanished broker: published as the cloud
      if (!client) return callback(null);
      const s = deps.sessionOf(client);
      if (!s) return callback(new Error('no session'));
      const refusal = publishRefusal(s, packet);
      if (refusal !== undefined) {
        // a will checked while the connection closes: refuse quietly, do not change the reason
        if (!client.closed) {
          markReason(s, refusal.reason);
          log.warn({ clientId: client.id, topic: packet.topic.slice(0, 300), reason: refusal.reason }, refusal.message);
        }
        return callback(new Error(refusal.message));
      }
      // message-broker limits, "Publish requests per second per connection" (100):
      // over it IoT Core throttles; locally the excess publish is acknowledged and dropped.
      if (!client.closed) {
        s.bucket ??= new TokenBucket(limits.publishesPerSecond);
        if (!s.bucket.take()) {
          deps.throttled.add(packet);
          logThrottle(s, client.id, log);
        }
      }
      callback(null);
    },

    authorizeSubscribe(client, sub, callback) {
      subscribeGate.run(() => authorizeSubscribe(client, sub, callback));
    },

    authorizeForward(client, packet) {
      const s = deps.sessionOf(client);
      if (!s) return null;
      // iot:Receive is checked on every delivery; a denied message is silently not delivered.
      if (!authorizer.allowedOnTopic(s, 'iot:Receive', packet.topic)) return null;
      return packet;
    },
  };

  /** Why IoT Core would refuse this PUBLISH (and close the connection), if it would. */
  function publishRefusal(s: Session, packet: PublishPacket): { reason: 'CLIENT_ERROR' | 'AUTH_ERROR'; message: string } | undefined {
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

  /** The SUBSCRIBE checks, run through {@link subscribeGate}. */
  function authorizeSubscribe(...[client, sub, callback]: SubscribeArgs): void {
    const s = deps.sessionOf(client);
    if (!s) {
      callback(new Error('no session'));
      return;
    }
    // message-broker limits, "Topic size" / slashes: the filter is refused (SUBACK 0x80).
    const bad = topicViolation(sub.topic, limits);
    if (bad) {
      log.info({ clientId: client.id, topicFilter: sub.topic.slice(0, 300) }, `subscription refused: ${bad}`);
      callback(null, null);
      return;
    }
    if (!authorizer.allowedOnTopic(s, 'iot:Subscribe', sub.topic)) {
      callback(null, null);
      return;
    }
    // message-broker limits, "Subscriptions per connection" (50): beyond it the filter is refused.
    if (!s.subscriptions.has(sub.topic) && s.subscriptions.size >= limits.maxSubscriptionsPerConnection) {
      log.info({ clientId: client.id, topicFilter: sub.topic }, 'subscription refused: per-connection limit');
      callback(null, null);
      return;
    }
    s.subscriptions.add(sub.topic);
    deps.subscriptionGranted();
    callback(null, sub);
  }
}

type SubscribeArgs = Parameters<NonNullable<AedesOptions['authorizeSubscribe']>>;

function principalOf(s: Session): string {
  return s.principal.kind === 'certificate' ? s.principal.certificateId : s.principal.accessKeyId;
}

function logThrottle(s: Session, clientId: string, log: Logger): void {
  s.throttledSinceLog = (s.throttledSinceLog ?? 0) + 1;
  const now = Date.now();
  if (s.lastThrottleLogAt === undefined || now - s.lastThrottleLogAt >= THROTTLE_LOG_INTERVAL_MS) {
    log.warn({ clientId, dropped: s.throttledSinceLog }, 'publish rate limit exceeded; publishes dropped');
    s.lastThrottleLogAt = now;
    s.throttledSinceLog = 0;
  }
}

interface PacketLike {
  cmd: string;
  subscriptions?: Array<{ qos: number }>;
}

/**
 * Inspects packets as they leave the parser, before aedes handles them: a SUBSCRIBE
 * with more filters than IoT Core accepts closes the connection (message-broker
 * limits, "Subscriptions per subscribe request": 8), a requested QoS 2 is granted
 * as QoS 1, and a DISCONNECT marks the close as client-initiated. Relies on aedes 1.x's `client._parser` (pinned).
 */
export function inspectPackets(client: Client, s: Session, limits: Readonly<BrokerLimits>, log: Logger): void {
  const parser = (client as unknown as { _parser?: EventEmitter })._parser;
  if (!parser) throw new Error('aedes client has no _parser; the aedes version is not supported');
  parser.prependListener('packet', (packet: PacketLike) => {
    if (packet.cmd === 'disconnect') {
      markReason(s, 'CLIENT_INITIATED_DISCONNECT');
    } else if (packet.cmd === 'subscribe' && (packet.subscriptions?.length ?? 0) > limits.maxFiltersPerSubscribe) {
      markReason(s, 'CLIENT_ERROR');
      log.warn(
        { clientId: client.id, filters: packet.subscriptions?.length },
        `SUBSCRIBE with more than ${limits.maxFiltersPerSubscribe} topic filters; connection closed`,
      );
      // an unknown command makes aedes destroy the connection without acting on it
      packet.cmd = 'refused-subscribe';
    } else if (packet.cmd === 'subscribe' && packet.subscriptions) {
      // IoT Core grants at most QoS 1; aedes takes the SUBACK code from the request.
      for (const sub of packet.subscriptions) if (sub.qos > 1) sub.qos = 1;
    }
  });
}

export type { PublishPacket };
