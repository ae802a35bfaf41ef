import { iot, mqtt5 } from 'aws-iot-device-sdk-v2';
import { PulsepetError } from '../protocol/errors';
import type { Transport, TransportFactory } from './ports';
import type { MtlsSettings } from './transport-mqtt311';

/**
 * MQTT 5 over mutual TLS with aws-iot-device-sdk-v2 (`mqtt5.Mqtt5Client` +
 * `AwsIotMqtt5ClientConfigBuilder`), rejoining a persistent session (session expiry
 * 1 h). One client per connection: on a disconnection it is stopped and closed so the
 * agent's backoff decides when to try again. Note: a closed Mqtt5Client can keep the
 * Node process alive (aws-crt-nodejs #600) — the CLI exits explicitly.
 */
export function mqtt5Transport(s: MtlsSettings): TransportFactory {
  return () => new Mqtt5Transport(s);
}

class Mqtt5Transport implements Transport {
  private readonly client: mqtt5.Mqtt5Client;
  private lostHandler: ((reason: string) => void) | undefined;
  private connected = false;
  private closed = false;
  private stopped = false;

  constructor(private readonly s: MtlsSettings) {
    const config = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromMemory(s.host, s.certPem, s.keyPem)
      .withPort(s.port)
      .withCertificateAuthority(s.caPem)
      .withConnectProperties({
        clientId: s.clientId,
        keepAliveIntervalSeconds: s.keepAliveSeconds ?? 30,
        sessionExpiryIntervalSeconds: 3_600,
      })
      .withSessionBehavior(mqtt5.ClientSessionBehavior.RejoinAlways)
      .withRetryJitterMode(mqtt5.RetryJitterType.Decorrelated)
      .withMinReconnectDelayMs(1_000)
      .withPingTimeoutMs(5_000)
      .build();
    this.client = new mqtt5.Mqtt5Client(config);
    this.client.on('disconnection', (ev) => this.lose(`disconnected: ${ev.error.toString()}`));
    this.client.on('error', (err) => s.logger.warn({ err: String(err) }, 'mqtt5 client error'));
  }

  connect(): Promise<{ sessionPresent: boolean }> {
    return new Promise((resolve, reject) => {
      const onSuccess = (ev: mqtt5.ConnectionSuccessEvent): void => {
        this.client.removeListener('connectionFailure', onFailure);
        this.connected = true;
        resolve({ sessionPresent: ev.connack.sessionPresent });
      };
      const onFailure = (ev: mqtt5.ConnectionFailureEvent): void => {
        this.client.removeListener('connectionSuccess', onSuccess);
        // Stop the client's own retries: the agent owns backoff.
        this.stopped = true;
        this.client.stop();
        reject(new PulsepetError('PP_ERR_TRANSPORT', `MQTT5 CONNECT to ${this.s.host}:${this.s.port} failed: ${ev.error.toString()}`, { cause: ev.error }));
      };
      this.client.once('connectionSuccess', onSuccess);
      this.client.once('connectionFailure', onFailure);
      this.client.start();
    });
  }

  async publish(topic: string, payload: Buffer, qos: 0 | 1): Promise<void> {
    let res: mqtt5.PublishCompletionResult;
    try {
      res = await this.client.publish({ topicName: topic, payload, qos: qos === 1 ? mqtt5.QoS.AtLeastOnce : mqtt5.QoS.AtMostOnce });
    } catch (e) {
      throw new PulsepetError('PP_ERR_TRANSPORT', `PUBLISH to ${topic} failed: ${String(e)}`, { cause: e });
    }
    // PUBACK reason codes ≥ 0x80 are failures [MQTT5 3.4.2.1]
    if (res !== undefined && res.reasonCode >= 128) {
      throw new PulsepetError('PP_ERR_TRANSPORT', `PUBLISH to ${topic} refused: reason ${res.reasonCode}`);
    }
  }

  async subscribe(filters: readonly string[]): Promise<void> {
    // IoT Core accepts at most 8 filters per SUBSCRIBE.
    for (let i = 0; i < filters.length; i += 8) {
      const chunk = filters.slice(i, i + 8);
      const suback = await this.client.subscribe({ subscriptions: chunk.map((topicFilter) => ({ topicFilter, qos: mqtt5.QoS.AtLeastOnce })) });
      const bad = suback.reasonCodes.findIndex((c) => c >= 128);
      if (bad >= 0) throw new PulsepetError('PP_ERR_UNAUTHORIZED', `SUBSCRIBE ${chunk[bad]} refused: reason ${suback.reasonCodes[bad]}`);
    }
  }

  onMessage(handler: (topic: string, payload: Buffer) => void): void {
    this.client.on('messageReceived', (ev) => {
      const p = ev.message.payload;
      const buf = p === undefined ? Buffer.alloc(0) : typeof p === 'string' ? Buffer.from(p) : Buffer.from(p as ArrayBuffer);
      handler(ev.message.topicName, buf);
    });
  }

  onLost(handler: (reason: string) => void): void {
    this.lostHandler = handler;
  }

  async disconnect(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    if (!this.stopped) await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      this.client.once('stopped', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.stop();
    });
    this.client.close();
  }

  private lose(reason: string): void {
    if (!this.connected || this.closed) return;
    this.connected = false;
    this.lostHandler?.(reason);
  }
}
