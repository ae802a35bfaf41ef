/**
 * A durable aedes persistence (the aedes-persistence 11 async interface, which
 * aedes 1.x calls promise-style and whose `setup` must be an AsyncFunction).
 *
 * In-memory state answers every query, exactly as aedes-persistence's memory
 * implementation does (it is reused for retained messages, subscriptions with
 * their topic trie, and incoming QoS 2 packets). Every mutation is also journaled
 * to a {@link DurableMap} (fsync'd, group commit) and replayed on open, so a
 * broker restart - or kill -9 - keeps what the broker acknowledged:
 * - retained messages (PUBACK to the publisher follows `storeRetained`),
 * - subscriptions of persistent sessions (SUBACK follows `addSubscriptions`),
 *   [MQTT-3.1.2-4] session state survives while CleanSession=0,
 * - queued QoS 1/2 deliveries (PUBACK follows `outgoingEnqueueCombi`),
 * - incoming QoS 2 packets (PUBREC follows `incomingStorePacket`),
 * - wills, with the id of the broker that stored them, so a restarted broker
 *   (new id) publishes the wills of sessions the crash cut off.
 * Outgoing queues ({@link OutgoingQueues}) and wills are kept here, not in the
 * memory implementation, so each queued packet has a stable journal key and wills
 * keep their broker id. Record shapes and their JSON encoding: persistence-records.ts.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { Logger } from '../../common/logger';
import { DurableMap } from '../../common/journal';
import { PulsepetError } from '../../protocol/errors';
import { type OutgoingEntry, OutgoingQueues } from './outgoing-queues';
import {
  type BrokerLike,
  decode,
  encode,
  type JournalRecord,
  Packet,
  type PersistedPacket,
  type PersistedSubscription,
  type PersistenceClient,
  type SubscriptionTarget,
} from './persistence-records';
import { QueuedFilters } from './queued-filters';

export type { PersistedPacket, PersistedSubscription, PersistenceClient, SubscriptionTarget } from './persistence-records';

const require = createRequire(import.meta.url);

/** aedes-persistence's in-memory async implementation, as far as this module uses it. */
interface MemoryPersistence {
  setup(broker: BrokerLike): Promise<void>;
  storeRetained(packet: PersistedPacket): Promise<void>;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
  addSubscriptions(client: PersistenceClient, subs: PersistedSubscription[]): Promise<void>;
  removeSubscriptions(client: PersistenceClient, topics: string[]): Promise<void>;
  subscriptionsByClient(client: PersistenceClient): Promise<PersistedSubscription[]>;
  countOffline(): Promise<{ subsCount: number; clientsCount: number }>;
  subscriptionsByTopic(pattern: string): Promise<SubscriptionTarget[]>;
  cleanSubscriptions(client: PersistenceClient): Promise<void>;
  incomingStorePacket(client: PersistenceClient, packet: PersistedPacket): Promise<void>;
  incomingGetPacket(client: PersistenceClient, packet: PersistedPacket): Promise<PersistedPacket>;
  incomingDelPacket(client: PersistenceClient, packet: PersistedPacket): Promise<void>;
  cleanIncoming(client: PersistenceClient): Promise<void>;
  getClientList(topic: string): Readable;
  destroy(): Promise<void>;
}

const MemoryCtor = require('aedes-persistence/asyncPersistence.js') as new () => MemoryPersistence;

/**
 * The durable persistence. Pass it to aedes as `persistence`; the broker calls
 * `destroy()` on close, which flushes and closes the journal.
 */
export class DurablePersistence {
  readonly #mem = new MemoryCtor();
  readonly #journal: DurableMap<JournalRecord>;
  readonly #log: Logger;
  readonly #wills = new Map<string, PersistedPacket>();
  readonly #incomingIds = new Map<string, Set<number>>();
  /** QoS > 0 filters of persistent sessions (the ones aedes enqueues for) */
  readonly #queued = new QueuedFilters();
  /** queued QoS 1/2 deliveries per client */
  readonly #outgoing: OutgoingQueues;
  #broker: BrokerLike | undefined;
  #destroyed = false;

  private constructor(journal: DurableMap<JournalRecord>, log: Logger) {
    this.#journal = journal;
    this.#log = log;
    this.#outgoing = new OutgoingQueues(journal, (write) => this.#background(write));
  }

  /** @internal use {@link createDurablePersistence} */
  static async open(dir: string, logger: Logger): Promise<DurablePersistence> {
    let journal: DurableMap<JournalRecord>;
    try {
      journal = DurableMap.open<JournalRecord>(dir, 'mqtt-sessions');
    } catch (e) {
      throw new PulsepetError('PP_ERR_STORE', `cannot open broker session store in ${dir}`, { cause: e });
    }
    const p = new DurablePersistence(journal, logger.child({ component: 'broker-persistence' }));
    await p.#load();
    return p;
  }

  get broker(): BrokerLike | undefined {
    return this.#broker;
  }

  async #load(): Promise<void> {
    const counts = { retained: 0, sessions: 0, queued: 0, incoming: 0, wills: 0 };
    const queued: Array<{ clientId: string; entry: OutgoingEntry }> = [];
    for (const [key, rec] of this.#journal.entries()) {
      switch (rec.t) {
        case 'r':
          await this.#mem.storeRetained(decode(rec.p) as PersistedPacket);
          counts.retained++;
          break;
        case 's':
          await this.#mem.addSubscriptions({ id: rec.c }, decode(rec.s) as PersistedSubscription[]);
          this.#queued.add(rec.c, decode(rec.s) as PersistedSubscription[]);
          counts.sessions++;
          break;
        case 'o':
          queued.push({ clientId: rec.c, entry: { key, seq: rec.n, packet: decode(rec.p) as PersistedPacket } });
          break;
        case 'i': {
          const packet = decode(rec.p) as PersistedPacket;
          await this.#mem.incomingStorePacket({ id: rec.c }, packet);
          this.#trackIncoming(rec.c, packet.messageId as number);
          counts.incoming++;
          break;
        }
        case 'w':
          this.#wills.set(rec.c, decode(rec.p) as PersistedPacket);
          counts.wills++;
          break;
      }
    }
    this.#outgoing.restore(queued);
    counts.queued = queued.length;
    this.#log.info(counts, 'broker session store loaded');
  }

  #trackIncoming(clientId: string, messageId: number): void {
    let ids = this.#incomingIds.get(clientId);
    if (ids === undefined) {
      ids = new Set();
      this.#incomingIds.set(clientId, ids);
    }
    ids.add(messageId);
  }

  /** Journals without making the caller wait; losing it in a crash only causes a redelivery. */
  #background(p: Promise<void>): void {
    p.catch((err: unknown) => this.#log.error({ err }, 'session journal write failed'));
  }

  async #persistSubscriptions(clientId: string): Promise<void> {
    const subs = await this.#mem.subscriptionsByClient({ id: clientId });
    if (subs.length === 0) await this.#journal.delete(`s:${clientId}`);
    else await this.#journal.set(`s:${clientId}`, { t: 's', c: clientId, s: encode(subs) });
  }

  // aedes requires setup to be an AsyncFunction (checked by constructor name).
  async setup(broker: BrokerLike): Promise<void> {
    this.#broker = broker;
    await this.#mem.setup(broker);
  }

  // ---- retained ----

  async storeRetained(packet: PersistedPacket): Promise<void> {
    await this.#mem.storeRetained(packet);
    const topic = packet.topic as string;
    // An empty retained payload deletes the retained message [MQTT-3.3.1-10].
    if (packet.payload === undefined || packet.payload.length === 0) await this.#journal.delete(`r:${topic}`);
    else await this.#journal.set(`r:${topic}`, { t: 'r', p: encode({ ...packet }) });
  }

  createRetainedStream(pattern: string): Readable {
    return this.#mem.createRetainedStream(pattern);
  }

  createRetainedStreamCombi(patterns: string[]): Readable {
    return this.#mem.createRetainedStreamCombi(patterns);
  }

  // ---- subscriptions (persistent sessions only; aedes calls these for clean=false) ----

  /**
   * Synchronous: true when a QoS > 0 publish on `topic` would be queued for some
   * persistent session (what `subscriptionsByTopic` answers, leading wildcards
   * matching `$` topics as in aedes' trie). Lets the broker skip building messages
   * nobody can receive.
   */
  hasQueuedSubscriptionFor(topic: string): boolean {
    return this.#queued.has(topic);
  }

  async addSubscriptions(client: PersistenceClient, subs: PersistedSubscription[]): Promise<void> {
    this.#queued.add(client.id, subs);
    await this.#mem.addSubscriptions(client, subs);
    await this.#persistSubscriptions(client.id);
  }

  async removeSubscriptions(client: PersistenceClient, topics: string[]): Promise<void> {
    this.#queued.remove(client.id, topics);
    await this.#mem.removeSubscriptions(client, topics);
    await this.#persistSubscriptions(client.id);
  }

  /** Every topic filter of a stored session (each once): what a restored session may receive on without a SUBSCRIBE. */
  persistedFilters(): string[] {
    const filters = new Set<string>();
    for (const rec of this.#journal.values()) if (rec.t === 's') for (const sub of decode(rec.s) as PersistedSubscription[]) filters.add(sub.topic);
    return [...filters];
  }

  subscriptionsByClient(client: PersistenceClient): Promise<PersistedSubscription[]> {
    return this.#mem.subscriptionsByClient(client);
  }

  countOffline(): Promise<{ subsCount: number; clientsCount: number }> {
    return this.#mem.countOffline();
  }

  subscriptionsByTopic(pattern: string): Promise<SubscriptionTarget[]> {
    // aedes asks on every QoS 1 publish; usually no persistent session queues for it
    if (!this.hasQueuedSubscriptionFor(pattern)) return Promise.resolve([]);
    return this.#mem.subscriptionsByTopic(pattern);
  }

  async cleanSubscriptions(client: PersistenceClient): Promise<void> {
    this.#queued.remove(client.id);
    await this.#mem.cleanSubscriptions(client);
    await this.#journal.delete(`s:${client.id}`);
  }

  getClientList(topic: string): Readable {
    return this.#mem.getClientList(topic);
  }

  // ---- outgoing queues (same semantics as aedes-persistence's memory implementation) ----

  outgoingEnqueue(sub: SubscriptionTarget, packet: PersistedPacket): Promise<void> {
    return this.#outgoing.enqueue(sub.clientId, packet);
  }

  async outgoingEnqueueCombi(subs: SubscriptionTarget[], packet: PersistedPacket): Promise<void> {
    if (subs.length === 0) return;
    const writes: Promise<void>[] = [];
    for (const sub of subs) writes.push(this.#outgoing.enqueue(sub.clientId, packet));
    await Promise.all(writes);
  }

  outgoingUpdate(client: PersistenceClient, packet: PersistedPacket): Promise<void> {
    return this.#outgoing.update(client.id, packet);
  }

  async outgoingClearMessageId(client: PersistenceClient, packet: PersistedPacket): Promise<PersistedPacket | undefined> {
    return this.#outgoing.clearMessageId(client.id, packet);
  }

  outgoingStream(client: PersistenceClient): Readable {
    return this.#outgoing.stream(client.id);
  }

  // ---- incoming QoS 2 ----

  async incomingStorePacket(client: PersistenceClient, packet: PersistedPacket): Promise<void> {
    await this.#mem.incomingStorePacket(client, packet);
    const messageId = packet.messageId as number;
    this.#trackIncoming(client.id, messageId);
    await this.#journal.set(`i:${messageId}:${client.id}`, {
      t: 'i',
      c: client.id,
      p: encode({ ...new Packet(packet), messageId }),
    });
  }

  incomingGetPacket(client: PersistenceClient, packet: PersistedPacket): Promise<PersistedPacket> {
    return this.#mem.incomingGetPacket(client, packet);
  }

  async incomingDelPacket(client: PersistenceClient, packet: PersistedPacket): Promise<void> {
    await this.#mem.incomingDelPacket(client, packet);
    this.#incomingIds.get(client.id)?.delete(packet.messageId as number);
    await this.#journal.delete(`i:${packet.messageId}:${client.id}`);
  }

  async cleanIncoming(client: PersistenceClient): Promise<void> {
    await this.#mem.cleanIncoming(client);
    const ids = this.#incomingIds.get(client.id);
    if (ids === undefined) return;
    this.#incomingIds.delete(client.id);
    await Promise.all([...ids].map((id) => this.#journal.delete(`i:${id}:${client.id}`)));
  }

  // ---- wills ----

  async putWill(client: PersistenceClient, packet: PersistedPacket): Promise<void> {
    packet.brokerId = this.#broker?.id;
    packet.clientId = client.id;
    this.#wills.set(client.id, packet);
    await this.#journal.set(`w:${client.id}`, { t: 'w', c: client.id, p: encode({ ...packet }) });
  }

  async getWill(client: PersistenceClient): Promise<PersistedPacket | undefined> {
    return this.#wills.get(client.id);
  }

  async delWill(client: PersistenceClient): Promise<PersistedPacket | undefined> {
    const will = this.#wills.get(client.id);
    if (will === undefined) return undefined;
    this.#wills.delete(client.id);
    await this.#journal.delete(`w:${client.id}`);
    return will;
  }

  /** Wills stored by brokers not in `brokers` (aedes passes the live ones), i.e. orphaned by a restart. */
  streamWill(brokers: Record<string, unknown> = {}): Readable {
    return Readable.from([...this.#wills.values()].filter((w) => brokers[w.brokerId as string] === undefined));
  }

  /** Resolves when every journaled change so far is on disk. */
  flush(): Promise<void> {
    return this.#journal.flush();
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) throw new Error('destroyed called twice!');
    this.#destroyed = true;
    await this.#journal.flush();
    this.#journal.close();
    await this.#mem.destroy();
  }
}

/**
 * Opens (or creates) the broker's durable session store in `dir` and loads it.
 *
 * @example
 * const persistence = await createDurablePersistence(join(dataDir, 'broker'), logger);
 * const broker = await startBroker({ ..., persistence });
 */
export function createDurablePersistence(dir: string, logger: Logger): Promise<DurablePersistence> {
  return DurablePersistence.open(dir, logger);
}
