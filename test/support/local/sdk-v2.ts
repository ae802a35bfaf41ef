/**
 * aws-iot-device-sdk-v2 (MQTT 3.1.1 over mTLS) against the local broker: the
 * connection tests build, and its release. Not product code.
 */
import { iot, type mqtt } from 'aws-iot-device-sdk-v2';

/** A clean-session MQTT 3.1.1 connection to 127.0.0.1:`port` (reconnects far apart, so a refusal stays one). */
export function sdkV2Connection(
  client: mqtt.MqttClient,
  o: { certificatePem: string; privateKeyPem: string; caPem: string; port: number; clientId: string },
): mqtt.MqttClientConnection {
  const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(o.certificatePem, o.privateKeyPem)
    .with_certificate_authority(o.caPem)
    .with_endpoint('127.0.0.1')
    .with_port(o.port)
    .with_client_id(o.clientId)
    .with_clean_session(true)
    .with_keep_alive_seconds(60)
    .with_ping_timeout_ms(5000)
    .with_reconnect_min_sec(30)
    .with_reconnect_max_sec(30)
    .build();
  return client.new_connection(config);
}

/**
 * disconnect() both sends DISCONNECT and frees the native connection, so it must run
 * exactly once per connection, including after a refused connect (otherwise the CRT
 * keeps the event loop alive).
 */
export async function releaseSdkV2(conn: mqtt.MqttClientConnection): Promise<void> {
  await Promise.race([conn.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
}
