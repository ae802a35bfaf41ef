import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { isPulsepetError } from '../../protocol/errors';
import { iotErrorTypeOf } from './errors';
import { Registry } from './registry';

const open: Registry[] = [];
function openRegistry(dir = mkdtempSync(join(tmpdir(), 'pp-registry-'))): { registry: Registry; dir: string } {
  const registry = Registry.open(dir, { region: 'eu-west-1', logger: silentLogger() });
  open.push(registry);
  return { registry, dir };
}
afterEach(() => {
  for (const r of open.splice(0)) r.close();
});

const CERT_A = 'a'.repeat(64);
const CERT_B = 'b'.repeat(64);
const validity = { notBefore: 0, notAfter: 4_000_000_000_000 };

async function expectIotError(p: Promise<unknown>, type: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isPulsepetError(e), `expected ${type}, got success`).toBe(true);
  expect(iotErrorTypeOf(e)).toBe(type);
}

describe('Class: Registry', () => {
  describe('Method: createThing', () => {
    it('creates a thing with an ARN in the registry region and version 1', async () => {
      const { registry } = openRegistry();
      const { thing, created } = await registry.createThing({ thingName: 'pet-1', attributes: { model: 'w1' } });
      expect(created).toBe(true);
      expect(thing.thingArn).toBe('arn:aws:iot:eu-west-1:000000000000:thing/pet-1');
      expect(thing.version).toBe(1);
      expect(registry.getThing('pet-1')?.attributes).toEqual({ model: 'w1' });
    });

    it('returns the existing thing when called again with the same configuration', async () => {
      const { registry } = openRegistry();
      const first = await registry.createThing({ thingName: 'pet-1', attributes: { a: '1' } });
      const again = await registry.createThing({ thingName: 'pet-1', attributes: { a: '1' } });
      expect(again.created).toBe(false);
      expect(again.thing.thingId).toBe(first.thing.thingId);
    });

    it('rejects the same name with different attributes as ResourceAlreadyExistsException', async () => {
      const { registry } = openRegistry();
      await registry.createThing({ thingName: 'pet-1', attributes: { a: '1' } });
      await expectIotError(
        registry.createThing({ thingName: 'pet-1', attributes: { a: '2' } }),
        'ResourceAlreadyExistsException',
      );
    });

    it('rejects a name outside the IoT thing-name pattern', async () => {
      const { registry } = openRegistry();
      await expectIotError(registry.createThing({ thingName: 'bad name/x' }), 'InvalidRequestException');
    });
  });

  describe('Method: deleteThing', () => {
    it('refuses to delete a thing that still has principals attached', async () => {
      const { registry } = openRegistry();
      await registry.createThing({ thingName: 'pet-1' });
      await registry.attachThingPrincipal('pet-1', registry.certificateArn(CERT_A));
      await expectIotError(registry.deleteThing('pet-1'), 'InvalidRequestException');
      await registry.detachThingPrincipal('pet-1', registry.certificateArn(CERT_A));
      await registry.deleteThing('pet-1');
      expect(registry.getThing('pet-1')).toBeUndefined();
    });

    it('treats deleting a missing thing as success, as AWS documents', async () => {
      const { registry } = openRegistry();
      await expect(registry.deleteThing('ghost')).resolves.toBeUndefined();
    });

    it('rejects a stale expectedVersion with VersionConflictException', async () => {
      const { registry } = openRegistry();
      await registry.createThing({ thingName: 'pet-1' });
      await expectIotError(registry.deleteThing('pet-1', 7), 'VersionConflictException');
    });
  });

  describe('Method: updateCertificateStatus', () => {
    it('emits certificate-status so the broker can drop sessions', async () => {
      const { registry } = openRegistry();
      await registry.addCertificate({ certificateId: CERT_A, certificatePem: 'PEM', status: 'ACTIVE', validity });
      const seen: string[] = [];
      registry.on('certificate-status', (e) => seen.push(`${e.certificateId.slice(0, 1)}:${e.status}`));
      await registry.updateCertificateStatus(CERT_A, 'REVOKED');
      expect(seen).toEqual(['a:REVOKED']);
      expect(registry.getCertificate(CERT_A)?.status).toBe('REVOKED');
    });

    it('does not let a revoked certificate become active again', async () => {
      const { registry } = openRegistry();
      await registry.addCertificate({ certificateId: CERT_A, certificatePem: 'PEM', status: 'REVOKED', validity });
      await expectIotError(registry.updateCertificateStatus(CERT_A, 'ACTIVE'), 'CertificateStateException');
    });

    it('reports an unknown certificate as ResourceNotFoundException', async () => {
      const { registry } = openRegistry();
      await expectIotError(registry.updateCertificateStatus(CERT_B, 'INACTIVE'), 'ResourceNotFoundException');
    });
  });

  describe('Method: deleteCertificate', () => {
    it('follows the AWS order: ACTIVE, then attached things, then attached policies', async () => {
      const { registry } = openRegistry();
      await registry.addCertificate({ certificateId: CERT_A, certificatePem: 'PEM', status: 'ACTIVE', validity });
      await registry.createThing({ thingName: 'pet-1' });
      await registry.createPolicy('p1', '{}');
      const arn = registry.certificateArn(CERT_A);
      await registry.attachThingPrincipal('pet-1', arn);
      await registry.attachPolicy('p1', arn);
      await expectIotError(registry.deleteCertificate(CERT_A), 'CertificateStateException');
      await registry.updateCertificateStatus(CERT_A, 'INACTIVE');
      await expectIotError(registry.deleteCertificate(CERT_A), 'DeleteConflictException');
      await registry.detachThingPrincipal('pet-1', arn);
      await expectIotError(registry.deleteCertificate(CERT_A), 'DeleteConflictException');
      await registry.deleteCertificate(CERT_A, { forceDelete: true });
      expect(registry.getCertificate(CERT_A)).toBeUndefined();
      expect(registry.targetsForPolicy('p1')).toEqual([]);
    });
  });

  describe('Method: deletePolicy', () => {
    it('refuses to delete an attached policy with DeleteConflictException', async () => {
      const { registry } = openRegistry();
      await registry.createPolicy('p1', '{}');
      await registry.attachPolicy('p1', registry.certificateArn(CERT_A));
      await expectIotError(registry.deletePolicy('p1'), 'DeleteConflictException');
      await registry.detachPolicy('p1', registry.certificateArn(CERT_A));
      await registry.deletePolicy('p1');
      expect(registry.getPolicy('p1')).toBeUndefined();
    });
  });

  describe('Method: attachThingPrincipal', () => {
    it('keeps an EXCLUSIVE_THING principal off other things', async () => {
      const { registry } = openRegistry();
      await registry.createThing({ thingName: 'pet-1' });
      await registry.createThing({ thingName: 'pet-2' });
      const arn = registry.certificateArn(CERT_A);
      await registry.attachThingPrincipal('pet-1', arn, 'EXCLUSIVE_THING');
      await expectIotError(registry.attachThingPrincipal('pet-2', arn), 'InvalidRequestException');
      expect(registry.thingsForPrincipal(arn)).toEqual(['pet-1']);
    });
  });

  describe('Method: open', () => {
    it('keeps things, certificates, CAs, policies and attachments across close and reopen', async () => {
      const { registry, dir } = openRegistry();
      await registry.createThing({ thingName: 'pet-1', attributes: { k: 'v' } });
      await registry.addCertificate({
        certificateId: CERT_A,
        certificatePem: 'PEM',
        status: 'ACTIVE',
        validity,
        caCertificateId: CERT_B,
      });
      await registry.ensureAwsManagedCa(CERT_B, 'CA-PEM');
      await registry.createPolicy('p1', '{"Version":"2012-10-17"}');
      const arn = registry.certificateArn(CERT_A);
      await registry.attachPolicy('p1', arn);
      await registry.attachThingPrincipal('pet-1', arn);
      await registry.updateCertificateStatus(CERT_A, 'INACTIVE');
      registry.close();
      open.splice(open.indexOf(registry), 1);

      const { registry: again } = openRegistry(dir);
      expect(again.getThing('pet-1')?.attributes).toEqual({ k: 'v' });
      expect(again.getCertificate(CERT_A)?.status).toBe('INACTIVE');
      expect(again.getCaCertificate(CERT_B)?.awsManaged).toBe(true);
      expect(again.policiesForPrincipal(arn).map((p) => p.policyName)).toEqual(['p1']);
      expect(again.thingsForPrincipal(arn)).toEqual(['pet-1']);
      expect(again.principalsForThing('pet-1')).toEqual([arn]);
    });
  });
});
