/**
 * What bench/fleet-scale.ts compares itself with: AWS IoT Device Simulator (the AWS
 * Solutions implementation), as its own sources describe it. Checked on the public
 * repository aws-solutions/iot-device-simulator (v3.0.1):
 * - source/infrastructure/lib/simulator.ts: the simulation engine is one Lambda function
 *   (15-minute timeout) driven by a Step Functions loop; its IAM role grants `iot:Publish`
 *   only — messages go through the IoT data plane's HTTPS Publish, with no `iot:Connect`,
 *   so no simulated device holds an MQTT connection or a certificate of its own;
 * - CHANGELOG.md 3.0.0: devices are "no longer created and stored", they are generated in
 *   the simulator Lambda from a device type and an amount;
 * - CHANGELOG.md 2.0.0 (the earlier Fargate engine): "launch and start limits for widgets
 *   and fleets to 100".
 * No throughput or latency figure of it was found published, so the comparison is of
 * what each exercises, not of speed.
 */
export const DEVICE_SIMULATOR_COMPARISON = {
  subject: 'AWS IoT Device Simulator (AWS Solutions), v3.0.1',
  source: 'github.com/aws-solutions/iot-device-simulator: source/infrastructure/lib/simulator.ts (simulator Lambda role: iot:Publish only), CHANGELOG.md 3.0.0 and 2.0.0',
  publishedFigure: 'launch/start limit of 100 devices per action (CHANGELOG 2.0.0); no throughput or latency figure found published',
  theirs: 'HTTPS data-plane Publish (QoS 0) from one Lambda per simulation; no per-device connection, certificate, policy check, shadow or PUBACK',
  ours: 'one mTLS MQTT connection and certificate per device under the pulsepet-device policy, QoS 1 with PUBACK, pet/config shadows followed, every acknowledged sample checked in the store',
} as const;
