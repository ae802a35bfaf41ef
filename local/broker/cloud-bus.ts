import type { Aedes, Client, PublishPacket } from 'aedes';
import type { Logger } from '../../common/logger';
import { PulsepetError } from '../../protocol/errors';
import type { InternalPublishHandler, PublishOrigin } from '../ports';
import type { ConnectionTable } from './connections';
import { sessionOrigin } from './session';
import { TopicTrie } from './topic-trie';

/** Options of a cloud publish; `origin` is what observers see (e.g. an iotdata caller's access key id). */
export interface CloudPublishOptions {
  qos?: 0 | 1;
  retain?: boolean;
  origin?: PublishOrigin;
  /** the `sessionId` of the only connection the message may reach */
  to?: string;
}

/**
 * The broker's in-process face ({@link import('../ports').BrokerBus}): cloud-side
 * components publish as the cloud (no device policy applies, as for IoT Core's own
 * services) and observe every routed message on a topic filter, with the origin of
 * the device session or cloud caller that published it.
 */
export class CloudBus {
  /** in-process observers by topic filter */
  readonly observers = new TopicTrie<InternalPublishHandler>();
  readonly #origins = new WeakMap<object, PublishOrigin>();
  /**
   * addressed publishes, by payload buffer: aedes wraps a routed packet in packets of
   * its own but keeps the payload buffer, which each publish gets a fresh one of
   */
  readonly #addressed = new WeakMap<object, string>();
  /** observers whose promise the acknowledgement waits for */
  readonly #ackObservers = new WeakSet<InternalPublishHandler>();
  /** the same observers in a trie of their own: a publish no rule matches (shadow traffic) costs one lookup in a small trie */
  readonly #ackTrie = new TopicTrie<InternalPublishHandler>();
  /** device publishes whose before-ack observers already ran (in authorizePublish), with the message they got */
  readonly #ranBeforeAck = new WeakMap<object, Parameters<InternalPublishHandler>[0]>();
  #aedes: Aedes | undefined;

  constructor(
    private readonly connections: ConnectionTable,
    private readonly log: Logger,
    /** an observer was added or removed */
    private readonly observersChanged: () => void,
  ) {}

  /** Routes cloud publishes through `aedes` from now on. */
  attach(aedes: Aedes): void {
    this.#aedes = aedes;
  }

  /**
   * A device's authorized publish, before aedes acknowledges it: runs the matching
   * before-ack observers and returns their completion, or undefined when none match
   * (the acknowledgement then goes out at once).
   */
  beforeAck(packet: PublishPacket, client: Client): Promise<void> | undefined {
    if (this.#ackTrie.size === 0 || packet.topic.startsWith('$SYS/')) return undefined;
    const handlers = this.#ackTrie.match(packet.topic);
    if (handlers.length === 0) return undefined;
    const msg = this.messageOf(packet, client);
    this.#ranBeforeAck.set(packet, msg);
    return this.runAll(handlers, msg);
  }

  /**
   * aedes' `published` hook: hands a routed message to the matching observers. Returns
   * the completion of the before-ack observers that had not run yet (cloud publishes,
   * wills), which the routing then waits for.
   */
  dispatch(packet: PublishPacket, client: Client | null): Promise<void> | undefined {
    if (this.observers.size === 0 || packet.topic.startsWith('$SYS/')) return undefined;
    const handlers = this.observers.match(packet.topic);
    if (handlers.length === 0) return undefined;
    const ran = this.#ranBeforeAck.get(packet);
    const ranBeforeAck = ran !== undefined;
    const msg = ran ?? this.messageOf(packet, client);
    const awaited: InternalPublishHandler[] = [];
    for (const h of handlers) {
      if (this.#ackObservers.has(h)) {
        if (!ranBeforeAck) awaited.push(h);
        continue;
      }
      this.runDetached(h, msg);
    }
    return awaited.length === 0 ? undefined : this.runAll(awaited, msg);
  }

  private messageOf(packet: PublishPacket, client: Client | null): Parameters<InternalPublishHandler>[0] {
    const s = this.connections.sessionOf(client);
    const origin = s ? sessionOrigin(s) : (this.#origins.get(packet) ?? {});
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    return { topic: packet.topic, payload, qos: (packet.qos > 0 ? 1 : 0) as 0 | 1, retain: packet.retain === true, origin };
  }

  private runDetached(h: InternalPublishHandler, msg: Parameters<InternalPublishHandler>[0]): void {
    try {
      const r = h(msg);
      if (r && typeof r.then === 'function') r.then(undefined, (err) => this.log.error({ err, topic: msg.topic }, 'onPublish handler failed'));
    } catch (err) {
      this.log.error({ err, topic: msg.topic }, 'onPublish handler failed');
    }
  }

  private runAll(handlers: readonly InternalPublishHandler[], msg: Parameters<InternalPublishHandler>[0]): Promise<void> {
    return Promise.all(
      handlers.map(async (h) => {
        try {
          await h(msg);
        } catch (err) {
          this.log.error({ err, topic: msg.topic }, 'onPublish handler failed before the acknowledgement');
        }
      }),
    ).then(() => undefined);
  }

  /** Publishes as the cloud; resolves once aedes has routed the message. */
  publish(topic: string, payload: Buffer | string, options: CloudPublishOptions = {}): Promise<void> {
    const aedes = this.#aedes;
    if (aedes === undefined) return Promise.reject(new PulsepetError('PP_ERR_TRANSPORT', 'the broker is not running'));
    if (topic.length === 0 || topic.includes('+') || topic.includes('#')) {
      return Promise.reject(new PulsepetError('PP_ERR_VALIDATION', `cannot publish to topic ${JSON.stringify(topic)}`));
    }
    // an addressed payload is copied, so that its buffer identifies this publish alone
    const bytes = Buffer.isBuffer(payload) ? (options.to === undefined ? payload : Buffer.from(payload)) : Buffer.from(payload, 'utf8');
    const packet: PublishPacket = {
      cmd: 'publish',
      topic,
      payload: bytes,
      qos: options.qos ?? 0,
      retain: options.retain ?? false,
      dup: false,
    };
    if (options.origin) this.#origins.set(packet, options.origin);
    if (options.to !== undefined) this.#addressed.set(bytes, options.to);
    return new Promise((resolve, reject) => {
      aedes.publish(packet, (err?: Error) => {
        if (err) reject(new PulsepetError('PP_ERR_TRANSPORT', `broker could not route ${topic}`, { cause: err }));
        else resolve();
      });
    });
  }

  /**
   * The session an addressed publish may reach, for a packet as aedes delivers it;
   * undefined for a message published to every subscriber.
   */
  addresseeOf(packet: Pick<PublishPacket, 'payload'>): string | undefined {
    return typeof packet.payload === 'object' ? this.#addressed.get(packet.payload) : undefined;
  }

  /** Observes messages on topics matching `filter`; returns the function that stops it. */
  onPublish(filter: string, handler: InternalPublishHandler, options: { beforeAck?: boolean } = {}): () => void {
    // a wrapper per registration, so one function can be registered both ways
    const h: InternalPublishHandler = (m) => handler(m);
    const offAck = options.beforeAck ? this.#ackTrie.add(filter, h) : undefined;
    if (options.beforeAck) this.#ackObservers.add(h);
    const off = this.observers.add(filter, h);
    this.observersChanged();
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      off();
      offAck?.();
      this.observersChanged();
    };
  }
}
