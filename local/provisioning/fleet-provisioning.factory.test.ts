import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeCertificateCommand, IoTClient, ListAttachedPoliciesCommand, ListPrincipalThingsCommand, ListThingPrincipalsCommand } from '@aws-sdk/client-iot';
import { afterAll, describe, expect, it } from 'vitest';
import { createCsr } from '../../certs/index';
import { CLAIM_POLICY_NAME, DEVICE_POLICY_NAME } from '../../protocol/policies';
import { type LocalStack, startLocalStack } from '../stack';
import { until } from '../../test/support/local/broker';
import { acceptedBody, createClaimCertificate, createFleetTemplate, type Format, provisioningRequest } from '../../test/support/local/provisioning';
import { awsClientConfig, connectMqtt, type TestDevice } from '../../test/support/local/stack';

const dirs: string[] = [];
const stacks: LocalStack[] = [];
afterAll(async () => {
  for (const s of stacks) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(opts: { provisioningTokenTtlMs?: number } = {}): Promise<LocalStack> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-factory-'));
  dirs.push(dir);
  const stack = await startLocalStack({ dataDir: join(dir, 'data'), tuneGc: false, ...opts });
  stacks.push(stack);
  return stack;
}

/** One factory device: claim connection → CSR (key made here) → RegisterThing → connects as itself. */
async function factoryDevice(stack: LocalStack, claim: TestDevice, serial: string, format: Format): Promise<string> {
  const c = await connectMqtt(stack, { ...claim, thingName: `line-1-${serial}` });
  try {
    const { csrPem, privateKeyPem } = await createCsr({ commonName: serial });
    const created = acceptedBody(await provisioningRequest(c, `$aws/certificates/create-from-csr/${format}`, { certificateSigningRequest: csrPem }, format));
    const reg = acceptedBody(
      await provisioningRequest(c, `$aws/provisioning-templates/factory/provision/${format}`, { certificateOwnershipToken: created.certificateOwnershipToken, parameters: { SerialNumber: serial } }, format),
    );
    const thingName = reg.thingName as string;
    const device = await connectMqtt(stack, { thingName, certificatePem: created.certificatePem as string, privateKeyPem, caPem: claim.caPem, certificateId: '', certificateArn: '' });
    await device.endAsync();
    return created.certificateId as string;
  } finally {
    c.end(true);
  }
}

describe('A factory run', () => {
  it('provisions 50 devices by claim: each gets its own thing, ACTIVE certificate and the device policy; the claim certificate stays a claim', async () => {
    const stack = await start();
    const claim = await createClaimCertificate(stack);
    await createFleetTemplate(stack, 'factory');
    const serials = Array.from({ length: 50 }, (_, i) => `F${String(i).padStart(3, '0')}`);
    const certs = new Map<string, string>();
    const queue = [...serials];
    // ten assembly stations at once
    await Promise.all(
      Array.from({ length: 10 }, async (_, station) => {
        for (let s = queue.shift(); s !== undefined; s = queue.shift()) certs.set(s, await factoryDevice(stack, claim, s, station % 2 === 0 ? 'json' : 'cbor'));
      }),
    );
    const iot = new IoTClient(awsClientConfig(stack));
    try {
      for (const serial of serials) {
        const certificateId = certs.get(serial)!;
        const arn = stack.registry.certificateArn(certificateId);
        expect((await iot.send(new DescribeCertificateCommand({ certificateId }))).certificateDescription?.status).toBe('ACTIVE');
        expect((await iot.send(new ListThingPrincipalsCommand({ thingName: `pet-${serial}` }))).principals).toEqual([arn]);
        expect((await iot.send(new ListAttachedPoliciesCommand({ target: arn }))).policies?.map((p) => p.policyName)).toEqual([DEVICE_POLICY_NAME]);
      }
      expect(new Set(certs.values()).size).toBe(50);
      expect((await iot.send(new ListPrincipalThingsCommand({ principal: claim.certificateArn }))).things).toEqual([]);
      expect((await iot.send(new ListAttachedPoliciesCommand({ target: claim.certificateArn }))).policies?.map((p) => p.policyName)).toEqual([CLAIM_POLICY_NAME]);
    } finally {
      iot.destroy();
    }
  }, 120_000);
});

describe('Ownership token expiry', () => {
  it('refuses an expired token and deletes the certificate that was never activated', async () => {
    const stack = await start({ provisioningTokenTtlMs: 300 });
    const claim = await createClaimCertificate(stack);
    await createFleetTemplate(stack, 'factory');
    const c = await connectMqtt(stack, { ...claim, thingName: 'slow-device' });
    try {
      const created = acceptedBody(await provisioningRequest(c, '$aws/certificates/create/json', {}, 'json'));
      const certificateId = created.certificateId as string;
      await until(() => stack.registry.getCertificate(certificateId) === undefined, 10_000, 'the unclaimed certificate to be deleted');
      const late = await provisioningRequest(c, '$aws/provisioning-templates/factory/provision/json', { certificateOwnershipToken: created.certificateOwnershipToken, parameters: { SerialNumber: 'L1' } }, 'json');
      expect(late).toEqual({ accepted: false, body: { statusCode: 400, errorCode: 'InvalidCertificateOwnershipToken', errorMessage: 'The certificate ownership token has expired.' } });
      expect(stack.registry.getThing('pet-L1')).toBeUndefined();
    } finally {
      c.end(true);
    }
  });
});
