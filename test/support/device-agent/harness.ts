/**
 * Test support (not product code): the cloud side the agent tests run against — the
 * local IoT Core stack (registry, policy-enforcing mTLS broker, shadows, gateway).
 * Devices are provisioned through the real @aws-sdk/client-iot; telemetry is
 * observed cloud-side on the broker bus; "restart" closes the whole stack and starts
 * it again on the same data dir and ports.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePrivateKeyFile } from '../../../certs/index';
import type { InternalPublishHandler } from '../../../local/ports';
import type { LocalStack } from '../../../local/stack';
import { startPulsepetStack } from '../../../cli/pulsepet-stack';
import { awsClientConfig, provisionTestDevice } from '../local/stack';
import type { DeviceFiles } from './mosquitto';

export interface CloudHarness {
  readonly port: number;
  readonly stack: LocalStack;
  endpoint(): string;
  device(thing: string): Promise<DeviceFiles>;
  /** observes cloud-side publishes; survives restarts */
  observe(filter: string, handler: InternalPublishHandler): void;
  restartBroker(): Promise<void>;
  clientConfig(): ReturnType<typeof awsClientConfig>;
  close(): Promise<void>;
}

export async function startStackHarness(): Promise<CloudHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pp-agent-stack-'));
  const devDir = mkdtempSync(join(tmpdir(), 'pp-agent-devices-'));
  let stack = await startPulsepetStack({ dataDir });
  const observers: Array<[string, InternalPublishHandler]> = [];
  return {
    get port() {
      return stack.mqttPort;
    },
    get stack() {
      return stack;
    },
    // The broker's certificate names localhost and 127.0.0.1; the agent uses the name.
    endpoint: () => `mqtts://localhost:${stack.mqttPort}`,
    async device(thing) {
      const d = await provisionTestDevice(stack, thing);
      const certFile = join(devDir, `${thing}.cert.pem`);
      const keyFile = join(devDir, `${thing}.private.key`);
      writeFileSync(certFile, d.certificatePem);
      writePrivateKeyFile(keyFile, d.privateKeyPem);
      return { thing, certFile, keyFile, caFile: stack.caFile, certPem: d.certificatePem, keyPem: d.privateKeyPem, caPem: d.caPem };
    },
    observe(filter, handler) {
      observers.push([filter, handler]);
      stack.bus.onPublish(filter, handler);
    },
    async restartBroker() {
      const { mqttPort, httpPort } = stack;
      await stack.close();
      // observers are back before the first device is let in, so none of its publishes passes them by
      stack = await startPulsepetStack({ dataDir, mqttPort, httpPort, holdIntake: true });
      for (const [f, h] of observers) stack.bus.onPublish(f, h);
      stack.openIntake();
    },
    clientConfig: () => awsClientConfig(stack),
    close: () => stack.close(),
  };
}
