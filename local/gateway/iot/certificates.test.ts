import {
  CertificateStateException,
  CertificateValidationException,
  CreateCertificateFromCsrCommand,
  CreateKeysAndCertificateCommand,
  DeleteCACertificateCommand,
  DeleteCertificateCommand,
  DescribeCACertificateCommand,
  DescribeCertificateCommand,
  InvalidRequestException,
  ListCertificatesByCACommand,
  ListCertificatesCommand,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  UpdateCACertificateCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  certificateIdFromPem,
  createCa,
  createCsr,
  createKeysAndCertificate,
  inspectCertificate,
  verifyIssuedBy,
} from '../../../certs/index';
import { registerVerifiedCa } from '../../../test/support/local/ca';
import { startTestGateway, type TestGateway } from '../../../test/support/local/gateway';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t.close();
});

describe('iot service: certificates', () => {
  describe('Operation: CreateKeysAndCertificate', () => {
    it('issues an ACTIVE certificate from the local AWS-managed CA and returns the key pair once', async () => {
      const iot = t.iot();
      const r = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
      expect(r.certificateId).toBe(certificateIdFromPem(r.certificatePem!));
      expect(r.certificateArn).toBe(`arn:aws:iot:us-east-1:000000000000:cert/${r.certificateId}`);
      expect(r.keyPair?.PrivateKey).toContain('PRIVATE KEY');
      expect(await verifyIssuedBy(r.certificatePem!, t.ca.certificatePem)).toBe(true);
      const d = await iot.send(new DescribeCertificateCommand({ certificateId: r.certificateId }));
      expect(d.certificateDescription?.status).toBe('ACTIVE');
      expect(d.certificateDescription?.caCertificateId).toBe(t.ca.certificateId);
      expect(d.certificateDescription?.creationDate).toBeInstanceOf(Date);
      expect(Math.abs(d.certificateDescription!.creationDate!.getTime() - Date.now())).toBeLessThan(60_000);
      expect(d.certificateDescription?.validity?.notAfter?.getTime()).toBeGreaterThan(Date.now());
      // the registry never stores the private key
      expect(JSON.stringify(t.registry.getCertificate(r.certificateId!))).not.toContain('PRIVATE KEY');
    });

    it('issues an INACTIVE certificate when setAsActive is not given', async () => {
      const r = await t.iot().send(new CreateKeysAndCertificateCommand({}));
      expect(t.registry.getCertificate(r.certificateId!)?.status).toBe('INACTIVE');
    });
  });

  describe('Operation: CreateCertificateFromCsr', () => {
    it('issues a certificate for the CSR key with the CSR subject', async () => {
      const csr = await createCsr({ commonName: 'pet-csr' });
      const r = await t.iot().send(
        new CreateCertificateFromCsrCommand({ certificateSigningRequest: csr.csrPem, setAsActive: true }),
      );
      expect(inspectCertificate(r.certificatePem!).subjectCommonName).toBe('pet-csr');
      expect(t.registry.getCertificate(r.certificateId!)?.status).toBe('ACTIVE');
    });

    it('rejects a malformed CSR with InvalidRequestException', async () => {
      await expect(
        t.iot().send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: 'not a csr' })),
      ).rejects.toBeInstanceOf(InvalidRequestException);
    });
  });

  describe('Operation: RegisterCACertificate / RegisterCertificate', () => {
    it('registers a CA, then a device certificate it issued; twice is ResourceAlreadyExistsException', async () => {
      const iot = t.iot();
      const myCa = await createCa({ commonName: 'my fleet CA' });
      const ca = await registerVerifiedCa(iot, myCa, { setAsActive: true, allowAutoRegistration: true });
      expect(ca.certificateId).toBe(myCa.certificateId);
      const dca = await iot.send(new DescribeCACertificateCommand({ certificateId: ca.certificateId }));
      expect(dca.certificateDescription).toMatchObject({ status: 'ACTIVE', autoRegistrationStatus: 'ENABLE' });
      await expect(registerVerifiedCa(iot, myCa)).rejects.toBeInstanceOf(ResourceAlreadyExistsException);

      const device = await createKeysAndCertificate(myCa, { commonName: 'byo-1' });
      const reg = await iot.send(
        new RegisterCertificateCommand({ certificatePem: device.certificatePem, caCertificatePem: myCa.certificatePem, status: 'ACTIVE' }),
      );
      expect(reg.certificateId).toBe(device.certificateId);
      expect(t.registry.getCertificate(device.certificateId)).toMatchObject({
        status: 'ACTIVE',
        caCertificateId: myCa.certificateId,
        subjectCommonName: 'byo-1',
      });
      await expect(
        iot.send(new RegisterCertificateCommand({ certificatePem: device.certificatePem })),
      ).rejects.toBeInstanceOf(ResourceAlreadyExistsException);

      const statuses: string[] = [];
      t.registry.on('ca-status', (e) => statuses.push(e.status));
      await iot.send(
        new UpdateCACertificateCommand({ certificateId: myCa.certificateId, newStatus: 'INACTIVE', newAutoRegistrationStatus: 'DISABLE' }),
      );
      expect(statuses).toEqual(['INACTIVE']);
      const after = await iot.send(new DescribeCACertificateCommand({ certificateId: myCa.certificateId }));
      expect(after.certificateDescription).toMatchObject({ status: 'INACTIVE', autoRegistrationStatus: 'DISABLE' });

      const byCa = await iot.send(new ListCertificatesByCACommand({ caCertificateId: myCa.certificateId }));
      expect(byCa.certificates?.map((c) => c.certificateId)).toEqual([device.certificateId]);
      await iot.send(new DeleteCACertificateCommand({ certificateId: myCa.certificateId }));
      await expect(
        iot.send(new DescribeCACertificateCommand({ certificateId: myCa.certificateId })),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
    });

    it('refuses to delete an ACTIVE CA (CertificateStateException) or the AWS-managed one', async () => {
      const iot = t.iot();
      const active = await createCa({ commonName: 'active CA' });
      await registerVerifiedCa(iot, active, { setAsActive: true });
      await expect(
        iot.send(new DeleteCACertificateCommand({ certificateId: active.certificateId })),
      ).rejects.toBeInstanceOf(CertificateStateException);
      await expect(
        iot.send(new DeleteCACertificateCommand({ certificateId: t.ca.certificateId })),
      ).rejects.toBeInstanceOf(InvalidRequestException);
    });

    it('rejects a certificate from an unregistered CA with CertificateValidationException', async () => {
      const stranger = await createCa({ commonName: 'stranger CA' });
      const device = await createKeysAndCertificate(stranger);
      await expect(
        t.iot().send(new RegisterCertificateCommand({ certificatePem: device.certificatePem })),
      ).rejects.toBeInstanceOf(CertificateValidationException);
    });

    it('rejects a non-CA certificate as a CA with CertificateValidationException', async () => {
      const device = await createKeysAndCertificate(t.ca);
      await expect(
        t.iot().send(new RegisterCACertificateCommand({ caCertificate: device.certificatePem })),
      ).rejects.toBeInstanceOf(CertificateValidationException);
    });

    it('rejects garbage PEM with CertificateValidationException', async () => {
      await expect(
        t.iot().send(new RegisterCertificateCommand({ certificatePem: '-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----' })),
      ).rejects.toBeInstanceOf(CertificateValidationException);
    });
  });

  describe('Operation: UpdateCertificate / DeleteCertificate', () => {
    it('moves ACTIVE → INACTIVE → REVOKED, never back to ACTIVE, and deletes only when not ACTIVE', async () => {
      const iot = t.iot();
      const { certificateId } = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
      await expect(iot.send(new DeleteCertificateCommand({ certificateId }))).rejects.toBeInstanceOf(
        CertificateStateException,
      );
      await iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' }));
      await iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'REVOKED' }));
      await expect(
        iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'ACTIVE' })),
      ).rejects.toBeInstanceOf(CertificateStateException);
      await iot.send(new DeleteCertificateCommand({ certificateId }));
      await expect(iot.send(new DescribeCertificateCommand({ certificateId }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });

    it('rejects an unknown status with InvalidRequestException and an unknown id with ResourceNotFoundException', async () => {
      const iot = t.iot();
      const { certificateId } = await iot.send(new CreateKeysAndCertificateCommand({}));
      await expect(
        iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'SLEEPING' as 'ACTIVE' })),
      ).rejects.toBeInstanceOf(InvalidRequestException);
      await expect(
        iot.send(new UpdateCertificateCommand({ certificateId: 'f'.repeat(64), newStatus: 'INACTIVE' })),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(iot.send(new DescribeCertificateCommand({ certificateId: 'xyz' }))).rejects.toBeInstanceOf(
        InvalidRequestException,
      );
    });
  });

  describe('Operation: ListCertificates', () => {
    it('pages with pageSize and marker, newest first by default', async () => {
      const iot = t.iot();
      const made: string[] = [];
      for (let i = 0; i < 5; i++) made.push((await iot.send(new CreateKeysAndCertificateCommand({}))).certificateId!);
      const seen: string[] = [];
      let marker: string | undefined;
      do {
        const r = await iot.send(new ListCertificatesCommand({ pageSize: 2, marker }));
        expect((r.certificates ?? []).length).toBeLessThanOrEqual(2);
        seen.push(...(r.certificates ?? []).map((c) => c.certificateId!));
        marker = r.nextMarker;
      } while (marker);
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of made) expect(seen).toContain(id);
      expect(seen.indexOf(made[4]!)).toBeLessThan(seen.indexOf(made[0]!));
      const asc = await iot.send(new ListCertificatesCommand({ ascendingOrder: true, pageSize: 250 }));
      const ascIds = (asc.certificates ?? []).map((c) => c.certificateId!);
      expect(ascIds.indexOf(made[0]!)).toBeLessThan(ascIds.indexOf(made[4]!));
    });
  });
});
