import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { CredentialSource } from './aws-session';
import { presignMqttUrl } from './presign';

/** What the page shows about the live connection. */
export type ConnectionState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'online'; since: number }
  | { kind: 'offline'; since: number; reason: string; retryInMs: number };

export interface LiveConnectionOptions {
  /** `wss://…/mqtt` (AWS) or `ws://host:port/mqtt` (local) */
  endpoint: string;
  region: string;
  credentials: CredentialSource;
  /** the MQTT client id (unique per page; the IoT policy decides which are allowed) */
  clientId: string;
  /** topic filters subscribed on every (re)connect, QoS 1 */
  filters: readonly string[];
  onMessage(topic: string, payload: Uint8Array): void;
  onState(state: ConnectionState): void;
  /** subscribed again after a (re)connect: what was missed while away must be read once */
  onSubscribed(): void;
  /** the MQTT.js connect function (tests hand in their own) */
  connect?: (url: string, opts: IClientOptions) => MqttClient;
  now?: () => number;
}

const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000] as const;

/**
 * The page's one MQTT-over-WebSocket connection to IoT Core. Every attempt presigns a
 * new URL with the session's credentials, asked for again after a refused or lost
 * connection, so a reconnect never reuses expired credentials. MQTT.js' own reconnect is
 * off for that reason: its URL would be the first one forever. Subscriptions are made
 * again on every connect (clean session), then `onSubscribed` lets the page catch up.
 */
export class LiveConnection {
  private client: MqttClient | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly o: LiveConnectionOptions) {
    this.now = o.now ?? Date.now;
  }

  start(): void {
    void this.attempt();
  }

  /** Connects now instead of waiting out the backoff (the browser came back online). */
  retryNow(): void {
    if (this.closed || this.client !== undefined) return;
    clearTimeout(this.timer);
    void this.attempt();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.client?.end(true);
    this.client = undefined;
  }

  private async attempt(): Promise<void> {
    this.o.onState({ kind: 'connecting', attempt: this.failures + 1 });
    let url: string;
    try {
      // after a failure, new credentials: the old ones may have expired or been revoked
      if (this.failures > 0) this.o.credentials.renew();
      url = await presignMqttUrl(this.o.endpoint, this.o.region, await this.o.credentials());
    } catch (e) {
      this.lost(`no credentials: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (this.closed) return;
    const connect = this.o.connect ?? mqtt.connect;
    const client = connect(url, { clientId: this.o.clientId, protocolVersion: 4, clean: true, reconnectPeriod: 0, connectTimeout: 10_000, keepalive: 30 });
    this.client = client;
    let reason = 'connection closed';
    client.on('error', (e) => {
      reason = e.message;
    });
    client.on('message', (topic, payload) => this.o.onMessage(topic, payload));
    client.once('connect', () => void this.subscribe(client));
    client.once('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.removeAllListeners('message');
      this.lost(reason);
    });
  }

  private async subscribe(client: MqttClient): Promise<void> {
    try {
      const granted = await client.subscribeAsync([...this.o.filters], { qos: 1 });
      const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length > 0) throw new Error(`subscription refused: ${refused.join(', ')}`);
    } catch (e) {
      client.emit('error', e instanceof Error ? e : new Error(String(e)));
      client.end(true);
      return;
    }
    this.failures = 0;
    this.o.onState({ kind: 'online', since: this.now() });
    this.o.onSubscribed();
  }

  private lost(reason: string): void {
    if (this.closed) return;
    // ±20 % so a fleet of pages cut off together does not come back in one wave
    const base = BACKOFF_MS[Math.min(this.failures, BACKOFF_MS.length - 1)] ?? 30_000;
    const retryInMs = Math.round(base * (0.8 + Math.random() * 0.4));
    this.failures++;
    this.o.onState({ kind: 'offline', since: this.now(), reason, retryInMs });
    this.timer = setTimeout(() => void this.attempt(), retryInMs);
  }
}
