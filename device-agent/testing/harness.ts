/**
 * Test support (not product code): the cloud side the agent tests run against —
 * the real local broker (registry + pulsepet-device policy + mTLS), a way to
 * provision a device with certificate files, observe telemetry, and restart the broker.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePrivateKeyFile } from '../../certs/index';
import type { InternalPublishHandler } from '../../local/ports';
import { type Fixture, startFixture } from '../../local/broker/test-support';
import type { DeviceFiles } from './mosquitto';

export interface CloudHarness {
  readonly port: number;
  endpoint(): string;
  device(thing: string): Promise<DeviceFiles>;
  /** observes cloud-side publishes; survives broker restarts */
  observe(filter: string, handler: InternalPublishHandler): void;
  restartBroker(): Promise<void>;
  close(): Promise<void>;
}

export async function startBrokerHarness(): Promise<CloudHarness> {
  const fx: Fixture = await startFixture();
  const dir = mkdtempSync(join(tmpdir(), 'pp-agent-devices-'));
  const observers: Array<[string, InternalPublishHandler]> = [];
  const attach = (): void => {
    for (const [f, h] of observers) fx.broker.onPublish(f, h);
  };
  return {
    get port() {
      return fx.broker.port;
    },
    endpoint: () => `mqtts://localhost:${fx.broker.port}`,
    async device(thing) {
      const d = await fx.device(thing);
      const certFile = join(dir, `${thing}.cert.pem`);
      const keyFile = join(dir, `${thing}.private.key`);
      const caFile = join(dir, 'ca.pem');
      writeFileSync(certFile, d.certificatePem);
      writePrivateKeyFile(keyFile, d.privateKeyPem);
      writeFileSync(caFile, fx.ca.certificatePem);
      return { thing, certFile, keyFile, caFile, certPem: d.certificatePem, keyPem: d.privateKeyPem, caPem: fx.ca.certificatePem };
    },
    observe(filter, handler) {
      observers.push([filter, handler]);
      fx.broker.onPublish(filter, handler);
    },
    async restartBroker() {
      await fx.restart();
      attach();
    },
    close: () => fx.close(),
  };
}
