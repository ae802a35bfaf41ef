/**
 * The broker process's end of the IPC channel: serves the stack's bus calls (publish,
 * observers with and without before-ack, intake, close) on the broker it runs, and
 * makes requests of the stack (just-in-time registration).
 */
import type { BrokerHandle } from '../broker/broker';
import { Outbox } from './framing';
import type { RegistryEventMessage, SessionRecord, ToChild, ToParent } from './messages';

interface Handlers {
  registry(m: { changes: Extract<ToChild, { t: 'registry' }>['changes']; events: RegistryEventMessage[] }): void;
  session(s: SessionRecord): void;
  /** runs before any other message is handled (the replica catches up first) */
  beforeMessage(): void;
  close(): Promise<void>;
  /** what the allocator trimmer did, for the stats */
  allocatorTrims?: () => { trims: number; returnedBytes: number };
}

type Waiter = { resolve: () => void; reject: (e: Error) => void };

/** How often the broker process reports its figures to the stack. */
const STATS_EVERY_MS = 500;

export class ChildChannel {
  #nextId = 1;
  readonly #requests = new Map<number, Waiter>();
  readonly #acks = new Map<number, () => void>();
  readonly #observers = new Map<number, () => void>();
  #broker: BrokerHandle | undefined;
  #handlers: Handlers | undefined;
  #countTimer: NodeJS.Timeout | undefined;
  #closing = false;
  readonly #outbox = new Outbox<ToParent>((batch) => {
    if (process.connected) process.send?.(batch);
  });

  constructor() {
    // the stack is gone (crashed or killed): nothing would drive or drain this broker
    process.on('disconnect', () => process.exit(0));
  }

  send(msg: ToParent): void {
    if (process.connected) this.#outbox.push(msg);
  }

  /** Asks the stack and waits for its answer (`autoRegistered`, `interestKnown`). */
  request(msg: Omit<Extract<ToParent, { t: 'autoRegister' }>, 'id'> | Omit<Extract<ToParent, { t: 'interest' }>, 'id'>): Promise<void> {
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#requests.set(id, { resolve, reject });
      this.send({ ...msg, id });
    });
  }

  onInit(start: (msg: Extract<ToChild, { t: 'init' }>) => void): void {
    process.on('message', (batch: ToChild[]) => {
      for (const m of batch) {
        if (m.t === 'init') start(m);
        else this.#dispatch(m);
      }
    });
  }

  serve(broker: BrokerHandle, handlers: Handlers): void {
    this.#broker = broker;
    this.#handlers = handlers;
    this.#countTimer = setInterval(() => {
      const m = process.memoryUsage();
      const trims = handlers.allocatorTrims?.();
      const stats = { connections: broker.connectionCount(), awaitingStack: this.#acks.size, rss: m.rss, heapUsed: m.heapUsed, external: m.external, ...(trims ? { allocatorTrims: { ...trims } } : {}) };
      this.send({ t: 'stats', stats });
    }, STATS_EVERY_MS);
    this.#countTimer.unref();
  }

  exitSoon(code: number): void {
    // let the IPC channel drain the last messages first
    this.#outbox.flush();
    setTimeout(() => process.exit(code), 50);
  }

  #dispatch(msg: ToChild): void {
    const broker = this.#broker;
    const handlers = this.#handlers;
    if (!broker || !handlers) return;
    if (msg.t !== 'registry') handlers.beforeMessage();
    switch (msg.t) {
      case 'registry':
        handlers.registry(msg);
        return;
      case 'session':
        handlers.session(msg.session);
        return;
      case 'publish':
        this.#publish(broker, msg);
        return;
      case 'observe':
        this.#observe(broker, msg.id, msg.filter, msg.beforeAck);
        return;
      case 'unobserve':
        this.#observers.get(msg.id)?.();
        this.#observers.delete(msg.id);
        return;
      case 'ack':
        this.#acks.get(msg.id)?.();
        this.#acks.delete(msg.id);
        return;
      case 'autoRegistered':
        this.#settle(msg.id, msg.error);
        return;
      case 'interestKnown':
        this.#settle(msg.id, undefined);
        return;
      case 'openIntake':
        broker.openIntake();
        return;
      case 'close':
        void this.#close(handlers);
        return;
      default:
        return;
    }
  }

  #publish(broker: BrokerHandle, m: Extract<ToChild, { t: 'publish' }>): void {
    const payload = typeof m.payload === 'string' ? m.payload : Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength);
    const opts = {
      ...(m.qos !== undefined ? { qos: m.qos } : {}),
      ...(m.retain !== undefined ? { retain: m.retain } : {}),
      ...(m.origin ? { origin: m.origin } : {}),
      ...(m.to !== undefined ? { to: m.to } : {}),
    };
    broker.publish(m.topic, payload, opts).then(
      () => this.send({ t: 'published', id: m.id }),
      (e: unknown) => this.send({ t: 'published', id: m.id, error: e instanceof Error ? e.message : String(e) }),
    );
  }

  #observe(broker: BrokerHandle, id: number, filter: string, beforeAck: boolean): void {
    const off = broker.onPublish(
      filter,
      (m) => {
        const msg = { topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain, origin: m.origin };
        if (!beforeAck) {
          this.send({ t: 'message', observer: id, msg });
          return;
        }
        const ackId = this.#nextId++;
        return new Promise<void>((resolve) => {
          this.#acks.set(ackId, resolve);
          this.send({ t: 'message', observer: id, msg, ackId });
        });
      },
      { beforeAck },
    );
    this.#observers.set(id, off);
  }

  #settle(id: number, error: string | undefined): void {
    const w = this.#requests.get(id);
    this.#requests.delete(id);
    if (!w) return;
    if (error === undefined) w.resolve();
    else w.reject(new Error(error));
  }

  async #close(handlers: Handlers): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#countTimer) clearInterval(this.#countTimer);
    for (const off of this.#observers.values()) off();
    this.#observers.clear();
    // messages whose observers have not answered stay unacknowledged: their devices send them again
    await handlers.close();
    this.send({ t: 'closed' });
    this.exitSoon(0);
  }
}
