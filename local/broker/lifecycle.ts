import type { EventEmitter } from 'node:events';
import type { Aedes } from 'aedes';
import type { Logger } from '../../common/logger';
import type { ConnectionTable } from './connections';
import { connectedEvent, connectFailedEvent, type DisconnectReason, disconnectedEvent, hasLifecycleEvents } from './presence';
import { markReason, principalIdentifier, type Session, sessionFacts } from './session';

/** Where lifecycle events go: the broker's own (cloud) publish. */
export type LifecyclePublish = (topic: string, payload: string, options: { qos: 1 }) => Promise<void>;

/**
 * IoT Core's lifecycle events for the broker's connections: `connected`,
 * `disconnected` (with the reason the broker recorded) and `connect_failed`, each
 * published at QoS 1 on `$aws/events/presence/...`.
 * https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html
 */
export class LifecycleEvents {
  /** per client id, the `versionNumber` of its latest session */
  readonly #versions = new Map<string, number>();
  #closing = false;

  constructor(
    private readonly publish: LifecyclePublish,
    private readonly log: Logger,
  ) {}

  /** True once {@link shutdown} was called. */
  get closing(): boolean {
    return this.#closing;
  }

  /** The broker is closing: connections still open end as SERVER_INITIATED_DISCONNECT, no more events. */
  shutdown(): void {
    this.#closing = true;
  }

  /** aedes sent CONNACK: the session gets the next version number of its client id. */
  connected(s: Session, clientId: string): void {
    const v = (this.#versions.get(clientId) ?? 0) + 1;
    this.#versions.set(clientId, v);
    s.versionNumber = v;
    s.announced = true;
    this.log.info({ clientId, principal: principalIdentifier(s), session: s.id }, 'client connected');
    if (hasLifecycleEvents(clientId)) {
      const ev = connectedEvent(sessionFacts(s));
      this.#send(ev.topic, ev.payload);
    }
  }

  /** A session that was announced went away; without a recorded reason the network was lost. */
  disconnected(s: Session, clientId: string): void {
    if (!s.announced) return;
    s.announced = false;
    const reason: DisconnectReason = s.reason ?? (this.#closing ? 'SERVER_INITIATED_DISCONNECT' : 'CONNECTION_LOST');
    this.log.info({ clientId, reason, session: s.id }, 'client disconnected');
    if (hasLifecycleEvents(clientId)) {
      const ev = disconnectedEvent(sessionFacts(s), reason);
      this.#send(ev.topic, ev.payload);
    }
  }

  /** A CONNECT was refused by policy. */
  connectRefused(s: Session): void {
    if (s.clientId === undefined || !hasLifecycleEvents(s.clientId)) return;
    const ev = connectFailedEvent(sessionFacts(s));
    this.#send(ev.topic, ev.payload);
  }

  /** Feeds aedes' connection events (public API, docs/Aedes.md) into this and the sessions. */
  attach(aedes: Aedes, connections: ConnectionTable): void {
    aedes.on('clientReady', (client) => {
      const s = connections.sessionOf(client);
      if (s) this.connected(s, client.id);
    });
    aedes.on('clientDisconnect', (client) => {
      const s = connections.sessionOf(client);
      if (s) this.disconnected(s, client.id);
    });
    aedes.on('keepaliveTimeout', (client) => {
      const s = connections.sessionOf(client);
      if (s) markReason(s, 'MQTT_KEEP_ALIVE_TIMEOUT');
    });
    aedes.on('unsubscribe', (filters, client) => {
      const s = connections.sessionOf(client);
      if (s) for (const f of filters) s.subscriptions.delete(f);
    });
    aedes.on('clientError', (client, err) => this.log.debug({ clientId: client.id, err: err.message }, 'client error'));
    // aedes reports persistence failures as 'error'; an unhandled 'error' would throw
    const events: EventEmitter = aedes;
    events.on('error', (err: Error) => this.log.error({ err }, 'broker error'));
  }

  #send(topic: string, payload: object): void {
    // while shutting down the persistence is going away; nobody local is listening
    if (this.#closing) return;
    this.publish(topic, JSON.stringify(payload), { qos: 1 }).catch((err) => {
      if (!this.#closing) this.log.warn({ err, topic }, 'lifecycle event not published');
    });
  }
}
