/**
 * The footprint baseline: a bare aws-iot-device-sdk-v2 MQTT 3.1.1 client that
 * generates the same watch samples as the agent (1 Hz) and publishes the same
 * telemetry v1 batches on the same schedule — no outbox, no validation, no shadows.
 * Spawned by bench/agent-footprint.ts; runs until SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { iot, mqtt } from 'aws-iot-device-sdk-v2';
import { ulid } from 'ulid';
import { summarize, type TelemetryV1 } from '../protocol/telemetry';
import { WatchSimulator } from '../simulators/index';

const { values } = parseArgs({
  options: {
    thing: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    ca: { type: 'string' },
    'sample-ms': { type: 'string' },
    'batch-ms': { type: 'string' },
  },
});
const thing = values.thing ?? 'bare';
const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(readFileSync(values.cert ?? '', 'utf8'), readFileSync(values.key ?? '', 'utf8'))
  .with_certificate_authority(readFileSync(values.ca ?? '', 'utf8'))
  .with_endpoint(values.host ?? 'localhost')
  .with_port(Number(values.port))
  .with_client_id(thing)
  .with_clean_session(false)
  .with_keep_alive_seconds(30)
  .build();
const conn = new mqtt.MqttClient().new_connection(config);
await conn.connect();
const sim = new WatchSimulator({ scenario: 'rest', seed: 1, intervalMs: Number(values['sample-ms'] ?? 1_000) });
let seq = 0;
let pending: TelemetryV1['samples'] = [];
setInterval(() => {
  const { context: _c, battery: _b, ...s } = sim.next();
  pending.push({ ...s, t: Date.now() });
}, Number(values['sample-ms'] ?? 1_000));
setInterval(() => {
  if (pending.length === 0) return;
  const samples = pending;
  pending = [];
  const msg: TelemetryV1 = { v: 1, batchId: ulid(), seq: seq++, samples, summary: summarize(samples) };
  void conn.publish(`dt/pulsepet/${thing}/telemetry`, JSON.stringify(msg), mqtt.QoS.AtLeastOnce);
}, Number(values['batch-ms'] ?? 10_000));
process.once('SIGTERM', () => {
  void conn.disconnect().finally(() => process.exit(0));
});
