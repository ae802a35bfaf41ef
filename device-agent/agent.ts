import { EventEmitter } from 'node:events';
import type { Logger } from '../common/logger';
import { isPulsepetError } from '../protocol/errors';
import type { DeviceConfig } from '../protocol/shadows';
import { MAX_SAMPLES_PER_BATCH, toBatchRecord, validateInput } from '../protocol/telemetry';
import { telemetryTopic } from '../protocol/topics';
import { type BackoffOptions, RateLimiter, ReconnectBackoff } from './backoff';
import { AvatarStore } from './avatar-store';
import { AvatarSync, type AvatarSyncOptions } from './avatar-sync';
import { AgentMetrics } from './metrics';
import type { BatchAssignment, Outbox } from './outbox';
import type { AcceptResult, SampleSink, Transport, TransportFactory } from './ports';
import { ShadowSync } from './shadow-sync';
import type { Health, StatusSource } from './status-server';
import { Wakeup } from './wakeup';
import type { WatchOutput } from './watch-output';

export interface BatchSettings {
  maxSamples: number;
  /** estimated payload bound; far below IoT Core's 128 KB */
  maxBytes: number;
  /** a batch goes out when its oldest sample is this old */
  intervalMs: number;
}

export interface AgentOptions {
  thing: string;
  transport: TransportFactory;
  outbox: Outbox;
  batch: BatchSettings;
  output: WatchOutput;
  logger: Logger;
  /** publishes per second per connection (IoT Core allows 100; default 90) */
  maxPublishesPerSecond?: number;
  /** unacknowledged batch PUBLISHes at once (default 10) */
  maxInFlight?: number;
  /** duty-cycle mode: connect, flush, sync shadows, disconnect, once per period */
  dutyCycleMs?: number;
  backoff?: BackoffOptions;
  /** settings the `config` shadow controls outside batching (e.g. the simulator rate) */
  onConfig?: (cfg: DeviceConfig) => void;
  initialConfig?: DeviceConfig;
  metrics?: AgentMetrics;
  /** where the avatar image lives (`current.png`, `{hash}.part`); none: `desired.avatar` is ignored */
  avatarDir?: string;
  /** download limits and retries (avatar-sync.ts defaults) */
  avatar?: Pick<AvatarSyncOptions, 'maxBytes' | 'attempts' | 'retryBaseMs' | 'retryCapMs' | 'idleTimeoutMs'>;
}

/** The state of one connection while it sends. */
interface Session {
  transport: Transport;
  /** ends the connection (resolves the session's `lost`) */
  drop: (reason: string) => void;
  /** duty cycle: leave once everything before `flushTarget` is acknowledged */
  flushAndLeave: boolean;
  flushTarget: number;
  /** publishes per second on this connection */
  limiter: RateLimiter;
  alive: boolean;
  /** the agent is dropping the connection itself (not a loss worth a warning) */
  leaving: boolean;
  /** seqs published on this connection */
  sent: Set<number>;
  inFlight: number;
}

/**
 * The gateway agent: validates samples into the durable outbox, publishes batches
 * (QoS 1, in `seq` order, rate-limited) while connected, reconnects with
 * decorrelated-jitter backoff, and keeps the `pet`/`config` shadows in sync.
 * Events: `connected`, `disconnected`, `acked` (seq), `idle` (outbox empty while connected).
 */
export class Agent extends EventEmitter implements SampleSink, StatusSource {
  readonly metricsRegistry: AgentMetrics;
  private readonly log: Logger;
  private readonly shadow: ShadowSync;
  private readonly avatars: AvatarSync | undefined;
  private readonly backoff: ReconnectBackoff;
  private readonly wake = new Wakeup();
  private batch: BatchSettings;
  private config: DeviceConfig;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private transport: Transport | undefined;
  private dropConnection: ((reason: string) => void) | undefined;
  private readonly everSent = new Set<number>();
  private readonly telemetryTopic: string;
  private connectedOnce = false;

  constructor(private readonly opts: AgentOptions) {
    super();
    this.log = opts.logger.child({ component: 'agent', thing: opts.thing });
    this.telemetryTopic = telemetryTopic(opts.thing);
    this.metricsRegistry = opts.metrics ?? new AgentMetrics();
    this.backoff = new ReconnectBackoff(opts.backoff);
    this.batch = { ...opts.batch };
    this.config = {
      ...opts.initialConfig,
      batchIntervalMs: opts.batch.intervalMs,
      batchMaxSamples: Math.min(opts.batch.maxSamples, MAX_SAMPLES_PER_BATCH),
    };
    if (opts.avatarDir !== undefined) {
      const store = new AvatarStore(opts.avatarDir, this.log);
      this.avatars = new AvatarSync({ ...opts.avatar, store, metrics: this.metricsRegistry, logger: this.log, onChange: () => this.shadow.avatarChanged() });
    }
    this.shadow = new ShadowSync({
      thing: opts.thing,
      avatars: this.avatars,
      output: opts.output,
      applyConfig: (c) => this.applyConfig(c),
      currentConfig: () => ({ ...this.config }),
      metrics: this.metricsRegistry,
      logger: opts.logger,
    });
  }

  /** Starts the connection loop (inputs are started by the caller). */
  start(): void {
    if (this.loop) return;
    this.loop = (this.opts.dutyCycleMs ? this.dutyCycleLoop(this.opts.dutyCycleMs) : this.continuousLoop()).catch((err: unknown) => {
      this.log.fatal({ err }, 'agent loop failed');
      this.emit('error', err);
    });
  }

  /** Stops publishing, disconnects, and closes the outbox (everything accepted stays on disk). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake.notify();
    this.dropConnection?.('agent stopping');
    await this.loop;
    await this.avatars?.stop();
    await this.opts.outbox.close();
  }

  async accept(raw: unknown, source: string): Promise<AcceptResult> {
    const v = validateInput(raw);
    if (!v.ok) {
      this.metricsRegistry.reject('invalid');
      this.log.warn({ source, reason: v.reason }, 'sample rejected');
      return { ok: false, reason: v.reason, code: 'invalid' };
    }
    try {
      const index = await this.opts.outbox.append(toBatchRecord(v.record));
      this.metricsRegistry.samplesAccepted++;
      this.wake.notify();
      return { ok: true, index };
    } catch (e) {
      const full = isPulsepetError(e, 'PP_ERR_OUTBOX_FULL');
      this.metricsRegistry.reject(full ? 'outbox_full' : 'store');
      if (!full) this.log.error({ err: e, source }, 'outbox append failed');
      return { ok: false, reason: (e as Error).message, code: full ? 'outbox-full' : 'store' };
    }
  }

  reject(_reason: string, _source: string): void {
    this.metricsRegistry.reject('invalid');
  }

  health(): Health {
    const connected = this.metricsRegistry.connected;
    // In duty-cycle mode being offline between bursts is the normal state.
    const ok = connected || this.opts.dutyCycleMs !== undefined || !this.connectedOnce;
    const avatar = this.avatars?.status();
    return { status: ok ? 'ok' : 'degraded', connected, outboxDepth: this.opts.outbox.depth, ...(avatar && Object.keys(avatar).length > 0 ? { avatar } : {}) };
  }

  metrics(): string {
    return this.metricsRegistry.render(this.opts.outbox.stats());
  }

  /** The settings in force (what the `config` shadow reports). */
  currentConfig(): DeviceConfig {
    return { ...this.config };
  }

  private applyConfig(desired: DeviceConfig): DeviceConfig {
    this.config = { ...this.config, ...desired };
    if (desired.batchIntervalMs !== undefined) this.batch.intervalMs = desired.batchIntervalMs;
    if (desired.batchMaxSamples !== undefined) this.batch.maxSamples = desired.batchMaxSamples;
    this.opts.onConfig?.(this.currentConfig());
    this.wake.notify();
    return this.currentConfig();
  }

  private async continuousLoop(): Promise<void> {
    while (!this.stopping) {
      const t = await this.connectOnce();
      if (!t) continue;
      await this.session(t.transport, t.lost, t.drop, false);
      await this.endSession(t.transport);
      if (!this.stopping) await this.wake.sleep(this.backoff.nextDelayMs(), () => this.stopping);
    }
  }

  private async dutyCycleLoop(periodMs: number): Promise<void> {
    while (!this.stopping) {
      const cycleStart = Date.now();
      const t = await this.connectOnce();
      if (t) {
        await this.session(t.transport, t.lost, t.drop, true);
        await this.endSession(t.transport);
        this.log.info(
          { burstMs: Date.now() - cycleStart, outboxDepth: this.opts.outbox.depth, shadowsSynced: this.shadow.isSynced() },
          'duty cycle: burst done',
        );
      }
      if (!this.stopping) {
        const wait = t ? cycleStart + periodMs - Date.now() : this.backoff.nextDelayMs();
        await this.wake.sleep(Math.max(wait, this.backoff.waitBeforeConnectMs()), () => this.stopping);
      }
    }
  }

  /** One CONNECT attempt, spaced ≥ 1 s from the last; on failure waits the backoff delay. */
  private async connectOnce(): Promise<{ transport: Transport; lost: Promise<string>; drop: (reason: string) => void } | undefined> {
    await this.wake.sleep(this.backoff.waitBeforeConnectMs(), () => this.stopping);
    if (this.stopping) return undefined;
    const transport = this.opts.transport();
    let lostResolve: (r: string) => void = () => {};
    const lost = new Promise<string>((resolve) => {
      lostResolve = resolve;
    });
    transport.onLost((r) => lostResolve(r));
    transport.onMessage((topic, payload) => {
      if (!this.shadow.handleMessage(topic, payload)) this.log.debug({ topic }, 'message on an unexpected topic');
    });
    this.backoff.connectAttempted();
    try {
      const { sessionPresent } = await transport.connect();
      this.backoff.connected();
      if (this.connectedOnce) this.metricsRegistry.reconnects++;
      this.connectedOnce = true;
      this.metricsRegistry.connected = true;
      this.transport = transport;
      this.dropConnection = (r) => lostResolve(r);
      this.log.info({ sessionPresent }, 'connected');
      this.emit('connected');
      return { transport, lost, drop: (r) => lostResolve(r) };
    } catch (err) {
      this.metricsRegistry.connectFailures++;
      await transport.disconnect().catch(() => undefined);
      const delay = this.backoff.nextDelayMs();
      this.log.warn({ err, retryInMs: delay }, 'connect failed');
      await this.wake.sleep(delay, () => this.stopping);
      return undefined;
    }
  }

  private async endSession(transport: Transport): Promise<void> {
    this.dropConnection = undefined;
    this.transport = undefined;
    this.shadow.onDisconnected();
    this.metricsRegistry.connected = false;
    this.backoff.disconnected();
    await transport.disconnect().catch((err: unknown) => this.log.warn({ err }, 'disconnect failed'));
    this.emit('disconnected');
  }

  /** Runs one connection: shadows, then the send loop, until lost, stopped, or (duty cycle) flushed. */
  private async session(
    transport: Transport,
    lost: Promise<string>,
    drop: (reason: string) => void,
    flushAndLeave: boolean,
  ): Promise<void> {
    const s: Session = {
      transport,
      drop,
      flushAndLeave,
      // A duty-cycle burst flushes what was there when it began, so a steady stream of
      // new samples cannot keep the radio on.
      flushTarget: this.opts.outbox.endIndex(),
      limiter: new RateLimiter(this.opts.maxPublishesPerSecond ?? 90),
      alive: true,
      leaving: false,
      sent: new Set<number>(),
      inFlight: 0,
    };
    const ended = lost.then((reason) => {
      s.alive = false;
      this.wake.notify();
      if (!this.stopping && !s.leaving) this.log.warn({ reason }, 'connection lost');
    });
    await this.syncShadows(s);
    await this.sendLoop(s);
    if (!s.alive) return;
    if (this.stopping || flushAndLeave) {
      s.leaving = true;
      drop(this.stopping ? 'stopping' : 'duty cycle done');
      await ended;
    }
  }

  /** Subscribes to the shadows and fetches them; a failure is counted and telemetry carries on. */
  private async syncShadows(s: Session): Promise<void> {
    const publishLimited = async (topic: string, payload: Buffer): Promise<void> => {
      for (let w = s.limiter.take(); w > 0; w = s.limiter.take()) await this.wake.sleep(w, () => !s.alive);
      await s.transport.publish(topic, payload, 1);
    };
    try {
      await s.transport.subscribe(this.shadow.topics());
      await this.shadow.onConnected(publishLimited);
    } catch (err) {
      this.metricsRegistry.shadowErrors++;
      this.log.warn({ err }, 'shadow subscription failed; telemetry continues');
    }
  }

  /** Publishes batches in `seq` order, at most `maxInFlight` unacknowledged, until the session ends. */
  private async sendLoop(s: Session): Promise<void> {
    const ob = this.opts.outbox;
    const maxInFlight = this.opts.maxInFlight ?? 10;
    while (s.alive && !this.stopping) {
      if (s.flushAndLeave && ob.headIndex() >= s.flushTarget && s.inFlight === 0) {
        await this.shadow.waitSynced(10_000);
        break;
      }
      if (ob.depth === 0 && s.inFlight === 0) this.emit('idle');
      let batch = ob.pendingBatches().find((b) => !s.sent.has(b.seq));
      const dueIn = this.batchDueInMs(s.flushAndLeave);
      if (!batch && dueIn === 0) batch = await this.formBatches(maxInFlight - s.inFlight);
      if (!batch || s.inFlight >= maxInFlight) {
        await this.wake.wait(batch ? 1_000 : Math.min(dueIn, 60_000), () => !s.alive || this.stopping);
        continue;
      }
      const wait = s.limiter.take();
      if (wait > 0) {
        await this.wake.sleep(wait, () => !s.alive || this.stopping);
        continue;
      }
      if (!ob.isPending(batch.seq)) continue;
      this.publishBatch(s, batch);
    }
  }

  /**
   * Assigns the next batch, and more full ones (up to `room` in all) when a backlog
   * allows: their assignments share one group commit instead of paying an fsync each.
   */
  private async formBatches(room: number): Promise<BatchAssignment | undefined> {
    const ob = this.opts.outbox;
    const limits = { maxSamples: this.batch.maxSamples, maxBytes: this.batch.maxBytes };
    const forming = [ob.formBatch(limits)];
    const extra = Math.min(room - 1, Math.floor((ob.unassignedCount() - 1) / this.batch.maxSamples));
    for (let k = 0; k < extra; k++) forming.push(ob.formBatch(limits));
    return (await Promise.all(forming))[0];
  }

  /** Sends one batch (QoS 1) without waiting: its PUBACK acks it, a failure drops the connection. */
  private publishBatch(s: Session, b: BatchAssignment): void {
    const ob = this.opts.outbox;
    const payload = Buffer.from(JSON.stringify(ob.message(b)));
    s.sent.add(b.seq);
    s.inFlight++;
    this.metricsRegistry.batchesPublished++;
    if (this.everSent.has(b.seq)) this.metricsRegistry.publishRetries++;
    this.everSent.add(b.seq);
    s.transport.publish(this.telemetryTopic, payload, 1).then(
      async () => {
        s.inFlight--;
        await this.acknowledged(b);
      },
      (err: unknown) => {
        s.inFlight--;
        // Resending out of order could reorder batches; start over on a fresh connection.
        if (s.alive) this.log.warn({ err, seq: b.seq }, 'publish failed; reconnecting');
        s.drop('publish failed');
      },
    );
  }

  /** A batch's PUBACK arrived: count it, move the outbox cursor, wake the sender. */
  private async acknowledged(b: BatchAssignment): Promise<void> {
    const ob = this.opts.outbox;
    this.everSent.delete(b.seq);
    if (ob.isPending(b.seq)) {
      this.metricsRegistry.batchesAcked++;
      this.metricsRegistry.samplesAcked += b.last - b.first + 1;
    }
    this.metricsRegistry.lastAckAt = Date.now();
    await ob.ack(b.seq).catch((err: unknown) => this.log.error({ err }, 'ack cursor write failed'));
    this.emit('acked', b.seq);
    this.wake.notify();
  }

  /** 0 when a new batch should be formed now, else ms until the oldest unassigned sample is due. */
  private batchDueInMs(flush: boolean): number {
    const ob = this.opts.outbox;
    const n = ob.unassignedCount();
    if (n === 0) return Number.POSITIVE_INFINITY;
    if (flush || n >= this.batch.maxSamples) return 0;
    if (ob.unassignedBytes(this.batch.maxBytes) >= this.batch.maxBytes - 400) return 0;
    // Age of the oldest waiting sample (a backlog recovered from disk is due at once).
    const since = ob.oldestUnassignedAt() ?? Date.now();
    return Math.max(0, since + this.batch.intervalMs - Date.now());
  }
}
