import type { InputRecord } from '../protocol/telemetry';

/**
 * The agent's one port to the outside network: a single MQTT connection attempt.
 * A fresh Transport is made for each (re)connect; the agent owns backoff, ordering
 * and retransmission, so adapters must not reconnect on their own.
 */
export interface Transport {
  /** Sends CONNECT and resolves on CONNACK; rejects with PP_ERR_TRANSPORT. */
  connect(): Promise<{ sessionPresent: boolean }>;
  /** Publishes; for QoS 1 resolves on PUBACK, rejects if the broker refused or the connection failed. */
  publish(topic: string, payload: Buffer, qos: 0 | 1): Promise<void>;
  /** Subscribes to each filter (QoS 1); resolves on SUBACK, rejects if a filter is refused. */
  subscribe(filters: readonly string[]): Promise<void>;
  /** Sends DISCONNECT and frees native resources; safe to call twice. */
  disconnect(): Promise<void>;
  /** Every inbound PUBLISH. */
  onMessage(handler: (topic: string, payload: Buffer) => void): void;
  /** The established connection was lost (called at most once). */
  onLost(handler: (reason: string) => void): void;
}

export type TransportFactory = () => Transport;

/** Where the agent takes samples from; the sink validates and stores them. */
export interface SampleSource {
  readonly name: string;
  start(sink: SampleSink): Promise<void>;
  stop(): Promise<void>;
}

/**
 * What the built-in simulator input plays: the next record on each tick, and the
 * sampling interval the `config` shadow sets. The watch simulator (simulators/)
 * fits it; cli/agent.ts wires it in, so the agent never imports the simulators.
 */
export interface SampleGenerator {
  next(): InputRecord;
  setIntervalMs(ms: number): void;
}

export type AcceptResult = { ok: true; index: number } | { ok: false; reason: string; code: 'invalid' | 'outbox-full' | 'store' };

export interface SampleSink {
  /** Validates one raw input record and appends it durably; never throws. */
  accept(raw: unknown, source: string): Promise<AcceptResult>;
  /** Counts an input that could not even be parsed (e.g. a line that is not JSON). */
  reject(reason: string, source: string): void;
}
