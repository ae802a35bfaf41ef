import { iot, mqtt } from 'aws-iot-device-sdk-v2';
import type { Logger } from '../common/logger';
import { PulsepetError } from '../protocol/errors';
import type { Transport, TransportFactory } from './ports';

export interface MtlsSettings {
  host: string;
  port: number;
  clientId: string;
  certPem: string;
  keyPem: string;
  caPem: string;
  keepAliveSeconds?: number;
  logger: Logger;
}

let sharedClient: mqtt.MqttClient | undefined;

/**
 * MQTT 3.1.1 over mutual TLS with the production client, aws-iot-device-sdk-v2
 * (`mqtt.MqttClient` + `AwsIotMqttConnectionConfigBuilder.new_mtls_builder`), with a
 * persistent session (clean_session = false). The CRT reconnects by itself after an
 * interruption; this adapter reports the loss and tears the connection down so the
 * agent's own backoff and in-order retransmission take over.
 */
export function mqtt311Transport(s: MtlsSettings): TransportFactory {
  return () => new Mqtt311Transport(s);
}

class Mqtt311Transport implements Transport {
  private readonly conn: mqtt.MqttClientConnection;
  private lostHandler: ((reason: string) => void) | undefined;
  private connected = false;
  private closed = false;

  constructor(private readonly s: MtlsSettings) {
    const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(s.certPem, s.keyPem)
      .with_certificate_authority(s.caPem)
      .with_endpoint(s.host)
      .with_port(s.port)
      .with_client_id(s.clientId)
      .with_clean_session(false)
      .with_keep_alive_seconds(s.keepAliveSeconds ?? 30)
      .with_ping_timeout_ms(5_000)
      .with_protocol_operation_timeout_ms(30_000)
      .build();
    sharedClient ??= new mqtt.MqttClient();
    this.conn = sharedClient.new_connection(config);
    this.conn.on('interrupt', (err) => this.lose(`interrupted: ${String(err)}`));
    this.conn.on('error', (err) => s.logger.warn({ err: String(err) }, 'mqtt 3.1.1 connection error'));
  }

  async connect(): Promise<{ sessionPresent: boolean }> {
    try {
      const sessionPresent = await this.conn.connect();
      this.connected = true;
      return { sessionPresent };
    } catch (e) {
      throw new PulsepetError('PP_ERR_TRANSPORT', `MQTT CONNECT to ${this.s.host}:${this.s.port} failed: ${String(e)}`, { cause: e });
    }
  }

  async publish(topic: string, payload: Buffer, qos: 0 | 1): Promise<void> {
    try {
      await this.conn.publish(topic, payload, qos === 1 ? mqtt.QoS.AtLeastOnce : mqtt.QoS.AtMostOnce);
    } catch (e) {
      throw new PulsepetError('PP_ERR_TRANSPORT', `PUBLISH to ${topic} failed: ${String(e)}`, { cause: e });
    }
  }

  async subscribe(filters: readonly string[]): Promise<void> {
    for (const f of filters) {
      const r = await this.conn.subscribe(f, mqtt.QoS.AtLeastOnce);
      // SUBACK return code 0x80 = failure [MQTT-3.9.3]
      if (r.error_code || (r.qos as number) === 128) {
        throw new PulsepetError('PP_ERR_UNAUTHORIZED', `SUBSCRIBE ${f} refused by the broker`);
      }
    }
  }

  onMessage(handler: (topic: string, payload: Buffer) => void): void {
    this.conn.on('message', (topic, payload) => handler(topic, Buffer.from(payload)));
  }

  onLost(handler: (reason: string) => void): void {
    this.lostHandler = handler;
  }

  async disconnect(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    await this.conn.disconnect();
  }

  private lose(reason: string): void {
    if (!this.connected || this.closed) return;
    this.connected = false;
    this.lostHandler?.(reason);
  }
}
