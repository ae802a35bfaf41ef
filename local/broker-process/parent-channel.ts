/**
 * The stack's end of the broker process's IPC channel: bus calls (publish, observers),
 * the child's requests (just-in-time registration), its log lines and its connection
 * count. Every message to the child goes out after the registry changes queued before it.
 */
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../../common/logger';
import type { InternalPublishHandler, PublishOrigin } from '../ports';
import { Outbox, SlicedInbox } from './framing';
import { InterestMirror } from './interest';
import type { BrokerProcessStats, BusMessage, ChildInit, ToChild, ToParent } from './messages';
import type { RegistryFeed } from './registry-feed';

type Pending = { resolve: () => void; reject: (e: Error) => void };
type Observer = { handler: InternalPublishHandler; beforeAck: boolean };

/**
 * How many of the broker process's messages the stack handles per turn of its event loop:
 * each device message runs the rules and appends to the Lambda queue, so a large read of
 * the channel would otherwise hold back the completions of that queue's fsyncs.
 */
const MESSAGES_PER_TURN = 32;

function toBuffer(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

export class ParentChannel {
  /** the topic filters anyone in the broker process may receive on (interest.ts) */
  readonly interest = new InterestMirror();
  #nextId = 1;
  readonly #published = new Map<number, Pending>();
  readonly #observers = new Map<number, Observer>();
  #autoRegister: ((der: Buffer) => Promise<unknown>) | undefined;
  #stats: BrokerProcessStats = { connections: 0, awaitingStack: 0, rss: 0, heapUsed: 0, external: 0 };
  readonly #log: Logger;
  #exited = false;
  readonly #outbox: Outbox<ToChild>;
  readonly #inbox: SlicedInbox<ToParent>;

  constructor(
    private readonly child: ChildProcess,
    private readonly feed: RegistryFeed,
    private readonly logger: Logger,
  ) {
    this.#log = logger.child({ component: 'broker-process' });
    this.#outbox = new Outbox((batch) => {
      if (!this.#exited && this.child.connected) this.child.send(batch);
    });
    this.#inbox = new SlicedInbox(
      (m) => this.#receive(m),
      MESSAGES_PER_TURN,
      (err, m) => this.#log.error({ err, message: m.t }, 'a message of the broker process failed'),
    );
    child.on('message', (batch: ToParent[]) => this.#inbox.receive(batch));
    child.on('exit', () => {
      this.#exited = true;
      const gone = new Error('the broker process has exited');
      for (const p of this.#published.values()) p.reject(gone);
      this.#published.clear();
    });
  }

  get connectionCount(): number {
    return this.#stats.connections;
  }

  /** the broker process's latest figures (every half second) */
  get stats(): BrokerProcessStats {
    return this.#stats;
  }

  /** Sends without flushing the registry feed first (the feed's own messages). */
  sendRaw(msg: ToChild): void {
    if (this.#exited || !this.child.connected) return;
    this.#outbox.push(msg);
  }

  send(msg: ToChild): void {
    this.feed.flush();
    this.sendRaw(msg);
  }

  onAutoRegister(run: (der: Buffer) => Promise<unknown>): void {
    this.#autoRegister = run;
  }

  /** Sends `init` and resolves with the ports once the child listens; rejects with its start failure. */
  start(init: ChildInit): Promise<{ port: number; wsPort: number }> {
    return new Promise((resolve, reject) => {
      const onMessage = (batch: ToParent[]) => {
        for (const m of batch) {
          // the persisted sessions' filters come before `ready` (the inbox sees them again later)
          if (m.t === 'interest') this.interest.add(m.filters);
          if (m.t === 'ready') {
            this.interest.complete();
            done();
            resolve({ port: m.port, wsPort: m.wsPort });
          } else if (m.t === 'failed') {
            done();
            const err = Object.assign(new Error(m.error.message), m.error.code ? { code: m.error.code } : {});
            reject(err);
          }
        }
      };
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`the broker process exited during start (code ${code})`));
      };
      const done = () => {
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.on('exit', onExit);
      this.sendRaw({ t: 'init', init });
    });
  }

  publish(topic: string, payload: Buffer | string, options: { qos?: 0 | 1; retain?: boolean; origin?: PublishOrigin; to?: string } = {}): Promise<void> {
    if (this.#exited) return Promise.reject(new Error('the broker process has exited'));
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#published.set(id, { resolve, reject });
      this.send({ t: 'publish', id, topic, payload, ...options });
    });
  }

  observe(filter: string, handler: InternalPublishHandler, beforeAck: boolean): () => void {
    const id = this.#nextId++;
    this.#observers.set(id, { handler, beforeAck });
    this.interest.add([filter]);
    this.send({ t: 'observe', id, filter, beforeAck });
    return () => {
      if (!this.#observers.delete(id)) return;
      this.send({ t: 'unobserve', id });
    };
  }

  /** Asks the child to close and waits for it to exit (killed after `timeoutMs`). */
  async close(timeoutMs: number): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send({ t: 'close' });
    const timer = setTimeout(() => {
      this.#log.warn({ timeoutMs }, 'broker process did not close in time; killing it');
      this.child.kill('SIGKILL');
    }, timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  #receive(m: ToParent): void {
    switch (m.t) {
      case 'message':
        void this.#deliver(m.observer, m.msg, m.ackId);
        return;
      case 'published': {
        const p = this.#published.get(m.id);
        this.#published.delete(m.id);
        if (m.error === undefined) p?.resolve();
        else p?.reject(new Error(m.error));
        return;
      }
      case 'autoRegister':
        this.#runAutoRegister(m.id, toBuffer(m.der));
        return;
      case 'interest':
        this.interest.add(m.filters);
        if (m.id !== undefined) this.send({ t: 'interestKnown', id: m.id });
        return;
      case 'stats':
        this.#stats = m.stats;
        return;
      case 'log':
        this.#relayLog(m.line);
        return;
      default:
        return;
    }
  }

  async #deliver(id: number, wire: BusMessage, ackId: number | undefined): Promise<void> {
    const o = this.#observers.get(id);
    if (o) {
      const msg = { topic: wire.topic, payload: toBuffer(wire.payload), qos: wire.qos, retain: wire.retain, origin: wire.origin };
      try {
        await o.handler(msg);
      } catch (err) {
        this.#log.error({ err, topic: msg.topic }, 'onPublish handler failed');
      }
    }
    if (ackId !== undefined) this.send({ t: 'ack', id: ackId });
  }

  #runAutoRegister(id: number, der: Buffer): void {
    const run = this.#autoRegister;
    const reply = (error?: string) => this.send({ t: 'autoRegistered', id, ...(error !== undefined ? { error } : {}) });
    if (!run) {
      reply('just-in-time registration is not enabled');
      return;
    }
    run(der).then(
      () => reply(),
      (e: unknown) => reply(e instanceof Error ? e.message : String(e)),
    );
  }

  /** The child's pino line, written through the stack's logger (its destination, its redaction). */
  #relayLog(line: string): void {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.#log.warn({ line: line.slice(0, 200) }, 'unreadable log line from the broker process');
      return;
    }
    const { level, msg, time: _time, ...fields } = rec;
    const label = typeof level === 'number' ? this.logger.levels.labels[level] : undefined;
    const method = (label ?? 'info') as 'info';
    this.logger[method](fields, typeof msg === 'string' ? msg : '');
  }
}
