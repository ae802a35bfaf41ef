/**
 * Integration harness for the shadow suites and benchmarks: the whole local stack
 * (`startLocalStack`: registry, mTLS broker with device policies, gateway, shadow
 * service) in a temp data dir; devices are provisioned through the real
 * @aws-sdk/client-iot and connect with MQTT.js. Test support, not product code.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { MqttClient } from 'mqtt';
import { createKeysAndCertificate, inspectCertificate } from '../../../../certs/index';
import type { FsyncPolicy } from '../../../../common/fsync-policy';
import { type Logger, silentLogger } from '../../../../common/logger';
import { DEVICE_POLICY_NAME } from '../../../../protocol/policies';
import type { BrokerBus } from '../../../../local/ports';
import { type LocalStack, startLocalStack } from '../../../../local/stack';
import { awsClientConfig, connectMqtt, provisionTestDevice, type TestDevice } from '../stack';
import type { ShadowServiceHandle, ShadowServiceLimits } from '../../../../local/shadow/index';

/** A running local stack with helpers for shadow tests. */
export interface ShadowHarness {
  stack: LocalStack;
  bus: BrokerBus;
  shadows: ShadowServiceHandle;
  /** a data-plane client for the stack (no retries) */
  iotdata: IoTDataPlaneClient;
  /** provisions the thing (CreateThing, keys + certificate, pulsepet-device policy) on first use and connects as it */
  connect(thingName: string): Promise<MqttClient>;
  /** provisions the thing once and returns its key material */
  provision(thingName: string): Promise<TestDevice>;
  /**
   * Same end state as `provision` (thing, ACTIVE certificate from the stack's CA,
   * pulsepet-device policy, thing attached) written straight into the registry:
   * for benchmarks that need a thousand devices quickly.
   */
  provisionDirect(thingName: string): Promise<{ certificatePem: string; privateKeyPem: string }>;
  /** `mqtts://host:port` of the broker */
  mqttUrl: string;
  /** PEM of the CA that signed the broker's server certificate */
  caPem: string;
  gatewayUrl: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** closes the stack and starts it again on the same data dir (devices stay provisioned) */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A device written straight into the registry (no HTTP round trips): for fleets of thousands. */
async function provisionInRegistry(stack: LocalStack, thingName: string): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const ca = stack.material.ca;
  const issued = await createKeysAndCertificate(ca, { commonName: thingName });
  const info = inspectCertificate(issued.certificatePem);
  const arn = stack.registry.certificateArn(issued.certificateId);
  await stack.registry.addCertificate({
    certificateId: issued.certificateId,
    certificatePem: issued.certificatePem,
    status: 'ACTIVE',
    caCertificateId: ca.certificateId,
    validity: { notBefore: info.notBefore, notAfter: info.notAfter },
    ...(info.subjectCommonName ? { subjectCommonName: info.subjectCommonName } : {}),
  });
  await stack.registry.createThing({ thingName });
  await stack.registry.attachThingPrincipal(thingName, arn);
  await stack.registry.attachPolicy(DEVICE_POLICY_NAME, arn);
  return { certificatePem: issued.certificatePem, privateKeyPem: issued.keyPair.PrivateKey };
}

/** Starts the local stack in a temp data dir (removed on close). */
export async function startShadowHarness(
  opts: { limits?: Partial<ShadowServiceLimits>; logger?: Logger; fsync?: FsyncPolicy } = {},
): Promise<ShadowHarness> {
  const logger = opts.logger ?? silentLogger();
  const dataDir = mkdtempSync(join(tmpdir(), 'pp-shadow-int-'));
  const boot = () =>
    startLocalStack({
      dataDir,
      logger,
      ...(opts.limits ? { shadowLimits: opts.limits } : {}),
      ...(opts.fsync ? { shadowFsync: opts.fsync } : {}),
    });
  let stack = await boot();
  let iotdata = new IoTDataPlaneClient(awsClientConfig(stack));
  const devices = new Map<string, Promise<TestDevice>>();
  const clients: MqttClient[] = [];
  const provision = (thingName: string): Promise<TestDevice> => {
    let d = devices.get(thingName);
    if (!d) {
      d = provisionTestDevice(stack, thingName);
      devices.set(thingName, d);
    }
    return d;
  };
  const h: ShadowHarness = {
    get stack() {
      return stack;
    },
    get bus() {
      return stack.bus;
    },
    get shadows() {
      return stack.shadows;
    },
    get iotdata() {
      return iotdata;
    },
    get mqttUrl() {
      return stack.mqttEndpoint;
    },
    get caPem() {
      return readFileSync(stack.caFile, 'utf8');
    },
    get gatewayUrl() {
      return stack.httpEndpoint;
    },
    get credentials() {
      return { ...stack.credentials };
    },
    provision,
    provisionDirect: (thingName) => provisionInRegistry(stack, thingName),
    async connect(thingName) {
      const client = await connectMqtt(stack, await provision(thingName));
      clients.push(client);
      return client;
    },
    async restart() {
      for (const c of clients.splice(0)) c.end(true);
      iotdata.destroy();
      await stack.close();
      stack = await boot();
      iotdata = new IoTDataPlaneClient(awsClientConfig(stack));
    },
    async close() {
      for (const c of clients.splice(0)) c.end(true);
      iotdata.destroy();
      await stack.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return h;
}
