/**
 * Integration harness for the shadow suites and benchmarks: the real broker
 * (mTLS + device policies), the real gateway, and the shadow service on the
 * broker's bus, in a temp data dir. Test support, not product code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { MqttClient } from 'mqtt';
import { type Logger, silentLogger } from '../../../common/logger';
import { connectDevice, type Fixture, startFixture } from '../../broker/test-support';
import { type GatewayHandle, startGateway } from '../../gateway/server';
import type { BrokerBus } from '../../ports';
import { createShadowService, type ShadowServiceHandle, type ShadowServiceLimits } from '../index';

export interface ShadowHarness {
  bus: BrokerBus;
  shadows: ShadowServiceHandle;
  /** a data-plane client signing with the gateway's credentials (no retries) */
  iotdata: IoTDataPlaneClient;
  /** registers the thing + certificate + device policy on first use and connects as it */
  connect(thingName: string): Promise<MqttClient>;
  /** registers the thing + certificate + device policy (idempotent) and returns its key material */
  provision(thingName: string): Promise<{ certificatePem: string; privateKeyPem: string }>;
  /** `mqtts://127.0.0.1:port` of the broker */
  mqttUrl: string;
  /** PEM of the CA that signed the broker's server certificate */
  caPem: string;
  gatewayUrl: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

const credentials = { accessKeyId: 'AKIDSHADOWHARNESS', secretAccessKey: 'shadow-harness-secret' };

export async function startShadowHarness(
  opts: { limits?: Partial<ShadowServiceLimits>; logger?: Logger } = {},
): Promise<ShadowHarness> {
  const logger = opts.logger ?? silentLogger();
  const fx: Fixture = await startFixture({ logger });
  const dataDir = mkdtempSync(join(tmpdir(), 'pp-shadow-int-'));
  const shadows = createShadowService({ bus: fx.broker, dataDir, logger, ...(opts.limits ? { limits: opts.limits } : {}) });
  const gateway: GatewayHandle = await startGateway({
    port: 0,
    region: 'us-east-1',
    credentials,
    services: [shadows.iotdata],
    logger,
  });
  const iotdata = new IoTDataPlaneClient({ endpoint: gateway.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  const devices = new Map<string, Awaited<ReturnType<Fixture['device']>>>();
  const clients: MqttClient[] = [];
  const provision = async (thingName: string) => {
    let d = devices.get(thingName);
    if (!d) {
      d = await fx.device(thingName);
      devices.set(thingName, d);
    }
    return d;
  };
  return {
    bus: fx.broker,
    shadows,
    iotdata,
    provision,
    mqttUrl: `mqtts://127.0.0.1:${fx.broker.port}`,
    caPem: fx.ca.certificatePem,
    gatewayUrl: gateway.url,
    credentials,
    async connect(thingName) {
      const d = await provision(thingName);
      const r = await connectDevice(fx, d, thingName);
      if (!r.ok) throw new Error(`device ${thingName} could not connect: ${r.error}`);
      clients.push(r.client);
      return r.client;
    },
    async close() {
      for (const c of clients) c.end(true);
      iotdata.destroy();
      await gateway.close();
      await shadows.close();
      await fx.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
