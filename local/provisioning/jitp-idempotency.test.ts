import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCa, inspectCertificate, issueDeviceCertificate } from '../../certs/index';
import { silentLogger } from '../../common/logger';
import { DEVICE_POLICY_NAME } from '../../protocol/policies';
import { type RegistryFixture, startRegistryFixture } from '../../test/support/local/broker';
import { jitpTemplateBody } from '../../test/support/local/jitp';
import { Registry } from '../registry/registry';
import { JustInTimeProvisioning } from './jitp';

let fx: RegistryFixture;
let published: Array<{ topic: string; payload: string }>;

beforeEach(async () => {
  fx = await startRegistryFixture();
  published = [];
});
afterEach(async () => {
  await fx.close();
});

function provisioner(registry: Registry = fx.registry): JustInTimeProvisioning {
  return new JustInTimeProvisioning({
    registry,
    logger: silentLogger(),
    publish: async (topic, payload) => void published.push({ topic, payload }),
  });
}

async function factory(registry: Registry = fx.registry) {
  const ca = await createCa({ commonName: 'factory' });
  await registry.registerCaCertificate({
    certificateId: ca.certificateId,
    certificatePem: ca.certificatePem,
    status: 'ACTIVE',
    autoRegistrationStatus: 'ENABLE',
    registrationConfig: { templateBody: jitpTemplateBody() },
  });
  return ca;
}

describe('Class: JustInTimeProvisioning', () => {
  describe('Method: register', () => {
    it('registers, announces and provisions a certificate once however many first connects arrive together', async () => {
      const ca = await factory();
      const dev = await issueDeviceCertificate(ca, { commonName: 'watch-burst' });
      const jitp = provisioner();
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => jitp.register(new X509Certificate(dev.certificatePem))));
      expect(new Set(outcomes.map((o) => o.result))).toEqual(new Set(['registered']));
      expect(published).toHaveLength(1);
      expect(fx.registry.getCertificate(dev.certificateId)?.status).toBe('ACTIVE');
      // a later connect of the provisioned certificate changes nothing
      expect(await jitp.register(new X509Certificate(dev.certificatePem))).toEqual({ result: 'not-eligible', reason: 'certificate is ACTIVE' });
      expect(published).toHaveLength(1);
    });

    it('finishes, after a restart, a provisioning a crash cut short after the registration', async () => {
      const ca = await factory();
      const dev = await issueDeviceCertificate(ca, { commonName: 'watch-crash' });
      const info = inspectCertificate(dev.certificatePem);
      // what was durable when the process died: the certificate, PENDING_ACTIVATION, nothing else
      await fx.registry.addCertificate({
        certificateId: dev.certificateId,
        certificatePem: dev.certificatePem,
        status: 'PENDING_ACTIVATION',
        caCertificateId: ca.certificateId,
        validity: { notBefore: info.notBefore, notAfter: info.notAfter },
      });
      fx.registry.close();
      const reopened = Registry.open(join(fx.dir, 'registry'), { region: 'us-east-1', logger: silentLogger() });
      try {
        const outcome = await provisioner(reopened).register(new X509Certificate(dev.certificatePem));
        expect(outcome).toMatchObject({ result: 'registered', applied: { thingName: 'watch-crash', status: 'ACTIVE', policyNames: [DEVICE_POLICY_NAME] } });
        const arn = reopened.certificateArn(dev.certificateId);
        expect(reopened.thingsForPrincipal(arn)).toEqual(['watch-crash']);
        expect(reopened.policiesForPrincipal(arn).map((p) => p.policyName)).toEqual([DEVICE_POLICY_NAME]);
        expect(published).toEqual([]);
      } finally {
        reopened.close();
        fx.registry = Registry.open(join(fx.dir, 'registry'), { region: 'us-east-1', logger: silentLogger() });
      }
    });

    it('registers nothing for a CA certificate, or for a CA that is INACTIVE', async () => {
      const ca = await factory();
      const jitp = provisioner();
      expect((await jitp.register(new X509Certificate(ca.certificatePem))).result).toBe('not-eligible');
      await fx.registry.updateCaCertificate(ca.certificateId, { status: 'INACTIVE' });
      const dev = await issueDeviceCertificate(ca, { commonName: 'watch-inactive-ca' });
      expect((await jitp.register(new X509Certificate(dev.certificatePem))).result).toBe('not-eligible');
      expect(fx.registry.getCertificate(dev.certificateId)).toBeUndefined();
      expect(published).toEqual([]);
    });
  });
});
