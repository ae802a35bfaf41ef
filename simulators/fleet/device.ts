/**
 * One simulated device: its own certificate and MQTT connection (simulators/
 * fleet-connection.ts, mutual TLS, client id = thing name), its scenario's samples
 * batched into telemetry v1 and published at QoS 1, its `pet` and `config` shadows
 * followed as the agent does, and reconnects with jittered backoff. A batch stays in the
 * device's outbox until its PUBACK and is published again (same batchId) after a
 * reconnect, so what the broker acknowledged is never the device's to lose, and what
 * it did not is retried: at-least-once, de-duplicated by the cloud on (thing, batchId).
 */
import type { Persona as CoachPersona, DeviceConfig } from '../../protocol/shadows';
import { buildTelemetryBatch, type BatchRecord } from '../../protocol/telemetry';
import { telemetryTopic } from '../../protocol/topics';
import { FleetConnection } from '../fleet-connection';
import { type ConnectPacer, type ConnectWindow, JitteredBackoff } from './backoff';
import type { ScenarioClock } from './clock';
import type { BatchEntry, BatchLedger } from './ledger';
import type { LiveScenario, RecordingLibrary } from './live-scenarios';
import { SampleStream } from './sample-stream';
import { ShadowFollow } from './shadow-follow';
import type { FleetStats } from './stats';

/** A device to simulate: who it is and what it plays. */
export interface SimDeviceSpec {
  thing: string;
  certificatePem: string;
  privateKeyPem: string;
  scenario: LiveScenario;
  /** body persona id (simulators/body/personas.ts: athlete, young, office, older, low-hrv) */
  bodyPersona: string;
  /** the coach persona it reports in `config` while none is desired */
  coachPersona?: CoachPersona;
}

/** What every device of a run shares. */
export interface DeviceContext {
  host: string;
  port: number;
  servername?: string;
  caPem: string;
  clock: ScenarioClock;
  stats: FleetStats;
  ledger: BatchLedger;
  pacer: ConnectPacer;
  /** connects in progress fleet-wide, bounded */
  window: ConnectWindow;
  library: RecordingLibrary;
  /** unique per run: batch ids are `${runId}-${n}` */
  runId: string;
  /** seq of a run's first batch: epoch ms at its start, so seq grows across runs too (Timestream versions are seq + 1) */
  seqBase: number;
  keepAliveS: number;
  random: () => number;
}

interface Pending {
  entry: BatchEntry;
  payload: string;
  /** the connection it is in flight on */
  on: FleetConnection | undefined;
}

/** Outbox bound per device: past it the oldest unacknowledged batch is given up (counted unacked). */
const MAX_OUTBOX = 500;

export class SimDevice {
  private conn: FleetConnection | undefined;
  private live = false;
  private stopped = false;
  private everConnected = false;
  private timer: NodeJS.Timeout | undefined;
  private batchTimer: NodeJS.Timeout | undefined;
  private readonly backoff: JitteredBackoff;
  private readonly outbox = new Set<Pending>();
  private readonly stream: SampleStream;
  private readonly shadow: ShadowFollow;
  private readonly topic: string;
  private config: Required<Pick<DeviceConfig, 'sampleIntervalMs' | 'batchIntervalMs' | 'batchMaxSamples'>> & { persona?: CoachPersona };
  private batches = 0;
  private lastPublishAt = 0;
  /** the newest publish was of the device's first batch of the run */
  private lastWasFirst = false;
  private deltaAwaited = false;

  constructor(
    readonly spec: SimDeviceSpec,
    private readonly ctx: DeviceContext,
    settings: { sampleIntervalMs: number; batchIntervalMs: number; batchMaxSamples: number; variant: number },
  ) {
    this.topic = telemetryTopic(spec.thing);
    this.backoff = new JitteredBackoff(1_000, 30_000, ctx.random);
    const recording = ctx.library.get(spec.scenario, spec.bodyPersona, settings.variant);
    this.stream = new SampleStream({
      recording,
      startMs: ctx.clock.scenarioStart,
      phaseMs: Math.floor(ctx.random() * recording.lengthS) * 1000,
      intervalMs: settings.sampleIntervalMs,
      battery: 0.6 + 0.4 * ctx.random(),
    });
    this.config = { sampleIntervalMs: settings.sampleIntervalMs, batchIntervalMs: settings.batchIntervalMs, batchMaxSamples: settings.batchMaxSamples };
    if (spec.coachPersona) this.config.persona = spec.coachPersona;
    this.shadow = new ShadowFollow({
      thing: spec.thing,
      applyConfig: (d) => this.applyConfig(d),
      currentConfig: () => ({ ...this.config }),
      onPetDelta: () => this.onPetDelta(),
      onRefused: () => ctx.stats.shadowRefused++,
      publish: (topic, payload) => {
        if (this.live) this.conn?.publish(topic, payload, 0).catch(() => undefined);
      },
    });
  }

  /** Connects (paced) and starts batching; the first batch after a random share of the interval, so the fleet's publishes spread. */
  start(): void {
    this.connectSoon(0);
    this.scheduleBatch(this.ctx.random() * this.config.batchIntervalMs);
  }

  /** Stops batching and reconnecting; the connection stays up for in-flight PUBACKs. */
  stopPublishing(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.batchTimer);
  }

  /** Sends DISCONNECT and closes. */
  async end(): Promise<void> {
    this.stopPublishing();
    const c = this.conn;
    this.conn = undefined;
    if (c !== undefined) {
      if (this.live) this.ctx.stats.connected--;
      this.live = false;
      await c.end();
    }
  }

  private connectSoon(afterMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const wait = this.ctx.pacer.reserve();
      this.timer = setTimeout(() => this.ctx.window.enter(() => void this.connect()), wait);
    }, afterMs);
  }

  /** One connect attempt, inside the fleet's connect window (left once it settles). */
  private async connect(): Promise<void> {
    const { ctx, spec } = this;
    if (this.stopped) return ctx.window.leave();
    const t0 = performance.now();
    let c: FleetConnection;
    try {
      c = await FleetConnection.connect({
        host: ctx.host,
        port: ctx.port,
        ...(ctx.servername !== undefined ? { servername: ctx.servername } : {}),
        clientId: spec.thing,
        cert: spec.certificatePem,
        key: spec.privateKeyPem,
        ca: ctx.caPem,
        keepAliveSeconds: ctx.keepAliveS,
        connectTimeoutMs: 30_000,
      });
    } catch (e) {
      ctx.window.leave();
      ctx.stats.connectFailed(connectFailureReason(e));
      this.connectSoon(this.backoff.next());
      return;
    }
    ctx.window.leave();
    ctx.stats.connect.record(performance.now() - t0);
    if (this.stopped) return c.destroy();
    this.conn = c;
    c.onMessage((topic, payload) => this.shadow.handle(topic, payload));
    c.onClose(() => this.onClosed(c));
    let granted: number[];
    try {
      granted = await c.subscribe(Object.fromEntries(this.shadow.topics().map((t) => [t, 1 as const])));
    } catch {
      return; // closed meanwhile: onClosed reconnects
    }
    if (granted.includes(0x80)) ctx.stats.connectFailed('subscribe-refused');
    this.live = true;
    ctx.stats.connected++;
    if (this.everConnected) ctx.stats.reconnects++;
    this.everConnected = true;
    this.backoff.reset();
    this.shadow.onConnected();
    for (const p of this.outbox) if (p.on === undefined) this.send(p);
  }

  private onClosed(c: FleetConnection): void {
    if (this.conn !== c) return;
    this.conn = undefined;
    if (this.live) this.ctx.stats.connected--;
    this.live = false;
    if (this.stopped) return;
    this.ctx.stats.disconnects++;
    this.connectSoon(this.backoff.next());
  }

  private scheduleBatch(afterMs: number): void {
    clearTimeout(this.batchTimer);
    if (this.stopped) return;
    this.batchTimer = setTimeout(() => {
      this.batchDue();
      this.scheduleBatch(this.config.batchIntervalMs);
    }, afterMs);
  }

  /** Everything sampled since the last batch, in batches of at most batchMaxSamples. */
  private batchDue(): void {
    const until = this.ctx.clock.now();
    for (;;) {
      const records = this.stream.take(until, this.config.batchMaxSamples);
      if (records.length > 0) this.enqueue(records);
      if (records.length < this.config.batchMaxSamples) return;
    }
  }

  private enqueue(records: BatchRecord[]): void {
    const n = ++this.batches;
    const batch = buildTelemetryBatch({ batchId: `${this.ctx.runId}-${n}`, seq: this.ctx.seqBase + n }, records);
    const entry = this.ctx.ledger.add({
      thing: this.spec.thing,
      batchId: batch.batchId,
      seq: batch.seq,
      times: batch.samples.map((s) => s.t),
    });
    const p: Pending = { entry, payload: JSON.stringify(batch), on: undefined };
    this.outbox.add(p);
    if (this.outbox.size > MAX_OUTBOX) {
      const oldest = this.outbox.values().next().value;
      if (oldest !== undefined && oldest.on === undefined) this.outbox.delete(oldest);
    }
    if (this.live) this.send(p);
  }

  private send(p: Pending): void {
    const c = this.conn;
    if (c === undefined) return;
    const { stats } = this.ctx;
    p.on = c;
    p.entry.publishes++;
    stats.inFlight++;
    const t0 = performance.now();
    this.lastPublishAt = t0;
    this.lastWasFirst = p.entry.seq === this.ctx.seqBase + 1;
    this.deltaAwaited = true;
    c.publish(this.topic, p.payload, 1).then(
      () => {
        stats.inFlight--;
        stats.puback.record(performance.now() - t0);
        stats.pubAcked++;
        p.entry.acks++;
        this.outbox.delete(p);
      },
      () => {
        stats.inFlight--;
        // not acknowledged: published again after the next connect
        p.on = undefined;
      },
    );
  }

  /**
   * A pet delta is matched to the newest telemetry batch published before it, once: the
   * reasoning function answers a batch with at most one pet write, so the first delta
   * after a publish is that batch's (when batches come faster than answers, the newest
   * batch is credited, which understates; at ≥ 1 s batches it is the batch).
   */
  private onPetDelta(): void {
    this.ctx.stats.petDeltas++;
    if (!this.deltaAwaited) return;
    this.deltaAwaited = false;
    const ms = performance.now() - this.lastPublishAt;
    this.ctx.stats.petDelta.record(ms);
    // a device's first batch on a fresh stack takes the cold path (reasoning state and pet created, baseline read)
    if (!this.lastWasFirst) this.ctx.stats.petDeltaAfterFirst.record(ms);
  }

  private applyConfig(d: DeviceConfig): DeviceConfig {
    if (d.sampleIntervalMs !== undefined) {
      this.config.sampleIntervalMs = d.sampleIntervalMs;
      this.stream.setIntervalMs(d.sampleIntervalMs);
    }
    if (d.batchMaxSamples !== undefined) this.config.batchMaxSamples = d.batchMaxSamples;
    if (d.persona !== undefined) this.config.persona = d.persona;
    if (d.batchIntervalMs !== undefined && d.batchIntervalMs !== this.config.batchIntervalMs) {
      this.config.batchIntervalMs = d.batchIntervalMs;
      this.scheduleBatch(d.batchIntervalMs);
    }
    return { ...this.config };
  }
}

/** A short, stable reason for a failed connect (the progress line groups failures by it). */
export function connectFailureReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const refused = /CONNACK refused: (.+)$/.exec(msg);
  if (refused?.[1]) return refused[1].replace(/\s+/g, '-');
  if (/no CONNACK within/.test(msg)) return 'connack-timeout';
  if (/closed before CONNACK/.test(msg)) return 'closed-before-connack';
  const code = (e as { cause?: { code?: unknown } }).cause?.code;
  if (typeof code === 'string') return code.startsWith('ERR_SSL') || code.includes('CERT') ? 'tls' : code.toLowerCase();
  return 'other';
}
