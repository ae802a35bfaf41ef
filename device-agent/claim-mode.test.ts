/**
 * The agent's first start by claim in-process (ensureIdentity: aws-iot-device-sdk-v2's
 * identity client, the identity committed to the device folder) against the local IoT
 * Core, with the claim folder `pulsepet fleet claim create` writes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeCertificateCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListPrincipalThingsCommand,
  ListThingPrincipalsCommand,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../common/logger';
import { type LocalStack, startLocalStack } from '../local/stack';
import { DEVICE_POLICY_NAME } from '../protocol/policies';
import { TcpProxy } from '../test/support/device-agent/tcp-proxy';
import { captureLogger } from '../test/support/local/broker';
import { factoryLine } from '../test/support/local/fleet-cli';
import { awsClientConfig, connectMqtt } from '../test/support/local/stack';
import { ReconnectBackoff } from './backoff';
import { type ClaimConfig, readClaimConfig } from './claim-config';
import { ensureIdentity } from './claim-mode';
import { loadIdentity } from './identity-store';

let work: string;
let stack: LocalStack;
let iot: IoTClient;
let claimConfig: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pp-claim-mode-'));
  stack = await startLocalStack({ dataDir: join(work, 'data'), tuneGc: false });
  iot = new IoTClient(awsClientConfig(stack));
  claimConfig = await factoryLine(stack, work, 'line')
}, 60_000);
afterAll(async () => {
  iot?.destroy();
  await stack?.close();
  rmSync(work, { recursive: true, force: true });
});

const noWait = async (): Promise<void> => undefined;

describe('Function: ensureIdentity', () => {
  it('provisions a factory run of 50 devices: each its own thing, one ACTIVE certificate = its identity on disk, the device policy; the claim stays a claim', async () => {
    const serials = Array.from({ length: 50 }, (_, i) => `L${String(i).padStart(3, '0')}`);
    const queue = [...serials];
    // five assembly stations at once, one claim folder
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
          const id = await ensureIdentity({ deviceDir: join(work, 'factory', s), claimConfigFile: claimConfig, serial: s, logger: silentLogger(), sleep: noWait });
          expect(id).toMatchObject({ thing: `pet-${s}`, provisioned: true });
        }
      }),
    );
    const ids = new Set<string>();
    for (const s of serials) {
      const onDisk = loadIdentity(join(work, 'factory', s));
      expect(onDisk?.thing).toBe(`pet-${s}`);
      const certificateId = onDisk?.certificateId ?? '';
      ids.add(certificateId);
      const arn = stack.registry.certificateArn(certificateId);
      expect((await iot.send(new ListThingPrincipalsCommand({ thingName: `pet-${s}` }))).principals).toEqual([arn]);
      expect((await iot.send(new DescribeCertificateCommand({ certificateId }))).certificateDescription?.status).toBe('ACTIVE');
      expect((await iot.send(new ListAttachedPoliciesCommand({ target: arn }))).policies?.map((p) => p.policyName)).toEqual([DEVICE_POLICY_NAME]);
    }
    expect(ids.size).toBe(50);
    const claim = readClaimConfig(claimConfig).config;
    const claimArn = stack.registry.certificateArn(claim.certificateId ?? '');
    expect((await iot.send(new ListPrincipalThingsCommand({ principal: claimArn }))).things).toEqual([]);
    expect((await iot.send(new ListAttachedPoliciesCommand({ target: claimArn }))).policies?.map((p) => p.policyName)).toEqual(['pulsepet-claim-line']);

    // a device connects with what was stored, as itself
    const dir = join(work, 'factory', 'L007', 'identity');
    const device = await connectMqtt(stack, {
      thingName: 'pet-L007',
      certificatePem: readFileSync(join(dir, 'pet-L007.cert.pem'), 'utf8'),
      privateKeyPem: readFileSync(join(dir, 'pet-L007.private.key'), 'utf8'),
      caPem: readFileSync(join(dir, 'root-ca.pem'), 'utf8'),
      certificateId: '',
      certificateArn: '',
    });
    await device.endAsync();
  }, 120_000);

  it('returns the stored identity without reading the claim config again', async () => {
    const deviceDir = join(work, 'once');
    const first = await ensureIdentity({ deviceDir, claimConfigFile: claimConfig, serial: 'ONCE', logger: silentLogger(), sleep: noWait });
    const again = await ensureIdentity({ deviceDir, claimConfigFile: join(work, 'no-such-claim.json'), serial: 'ONCE', logger: silentLogger() });
    expect(again).toEqual({ ...first, provisioned: false });
  });

  it('retries while the broker cannot be reached, then provisions', async () => {
    const proxy = new TcpProxy({ host: '127.0.0.1', port: stack.mqttPort });
    await proxy.start();
    proxy.cut();
    const dir = join(work, 'via-proxy');
    mkdirSync(dir);
    const claim = readClaimConfig(claimConfig).config;
    const viaProxy: ClaimConfig = { ...claim, endpoint: `mqtts://localhost:${proxy.port}` };
    writeFileSync(join(dir, 'claim.config.json'), JSON.stringify(viaProxy));
    const { logger, records } = captureLogger();
    const delays: number[] = [];
    try {
      const id = await ensureIdentity({
        deviceDir: join(dir, 'device'),
        claimConfigFile: join(dir, 'claim.config.json'),
        serial: 'NET1',
        logger,
        backoff: new ReconnectBackoff({ minConnectIntervalMs: 0, random: () => 0.5 }),
        sleep: async (ms) => {
          if (ms > 0) delays.push(ms);
          if (delays.length === 2) proxy.restore();
        },
      });
      expect(id).toMatchObject({ thing: 'pet-NET1', provisioned: true });
    } finally {
      await proxy.close();
    }
    expect(delays.length).toBeGreaterThanOrEqual(2);
    expect(records.filter((r) => r.msg === 'provisioning by claim failed; retrying').length).toBe(delays.length);
  }, 60_000);
});
