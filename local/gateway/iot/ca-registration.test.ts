import {
  CertificateValidationException,
  DeleteRegistrationCodeCommand,
  DescribeCACertificateCommand,
  GetRegistrationCodeCommand,
  InvalidRequestException,
  ListCACertificatesCommand,
  RegisterCACertificateCommand,
  RegistrationCodeValidationException,
  ResourceAlreadyExistsException,
  UpdateCACertificateCommand,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, createVerificationCertificate } from '../../../certs/index';
import { registerVerifiedCa } from '../../../test/support/local/ca';
import { startTestGateway, type TestGateway } from '../../../test/support/local/gateway';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t.close();
});

const TEMPLATE = JSON.stringify({
  Parameters: { 'AWS::IoT::Certificate::CommonName': { Type: 'String' }, 'AWS::IoT::Certificate::Id': { Type: 'String' } },
  Resources: {
    thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'AWS::IoT::Certificate::CommonName' } } },
    certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
  },
});

describe('iot service: CA registration', () => {
  describe('Operation: GetRegistrationCode / DeleteRegistrationCode', () => {
    it('returns the same 64-hex-digit code until it is deleted, across a restart', async () => {
      const first = (await t.iot().send(new GetRegistrationCodeCommand({}))).registrationCode;
      expect(first).toMatch(/^[0-9a-f]{64}$/);
      expect((await t.iot().send(new GetRegistrationCodeCommand({}))).registrationCode).toBe(first);
      await t.restart();
      expect((await t.iot().send(new GetRegistrationCodeCommand({}))).registrationCode).toBe(first);
      await t.iot().send(new DeleteRegistrationCodeCommand({}));
      const next = (await t.iot().send(new GetRegistrationCodeCommand({}))).registrationCode;
      expect(next).toMatch(/^[0-9a-f]{64}$/);
      expect(next).not.toBe(first);
    });
  });

  describe('Operation: RegisterCACertificate', () => {
    it('registers a CA whose verification certificate carries the registration code, with its registration config', async () => {
      const ca = await createCa({ commonName: 'factory CA' });
      const registrationConfig = { templateBody: TEMPLATE, roleArn: 'arn:aws:iam::000000000000:role/JITPRole' };
      const r = await registerVerifiedCa(t.iot(), ca, { setAsActive: true, allowAutoRegistration: true, registrationConfig });
      expect(r.certificateId).toBe(ca.certificateId);
      const d = await t.iot().send(new DescribeCACertificateCommand({ certificateId: ca.certificateId }));
      expect(d.certificateDescription).toMatchObject({ status: 'ACTIVE', autoRegistrationStatus: 'ENABLE', certificateMode: 'DEFAULT' });
      expect(d.registrationConfig).toEqual(registrationConfig);
      await expect(registerVerifiedCa(t.iot(), ca)).rejects.toBeInstanceOf(ResourceAlreadyExistsException);
    });

    it('refuses a verification certificate whose CN is not the registration code (RegistrationCodeValidationException)', async () => {
      const ca = await createCa({ commonName: 'wrong-code CA' });
      const verificationCertificate = await createVerificationCertificate(ca, 'f'.repeat(64));
      const err = await t
        .iot()
        .send(new RegisterCACertificateCommand({ caCertificate: ca.certificatePem, verificationCertificate }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistrationCodeValidationException);
      expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
      expect(t.registry.getCaCertificate(ca.certificateId)).toBeUndefined();
    });

    it('refuses a verification certificate signed by another key (CertificateValidationException)', async () => {
      const ca = await createCa({ commonName: 'claimed CA' });
      const impostor = await createCa({ commonName: 'claimed CA' });
      const { registrationCode } = await t.iot().send(new GetRegistrationCodeCommand({}));
      const verificationCertificate = await createVerificationCertificate(impostor, registrationCode ?? '');
      await expect(
        t.iot().send(new RegisterCACertificateCommand({ caCertificate: ca.certificatePem, verificationCertificate })),
      ).rejects.toBeInstanceOf(CertificateValidationException);
      expect(t.registry.getCaCertificate(ca.certificateId)).toBeUndefined();
    });

    it('asks for a verification certificate in DEFAULT mode and refuses one in SNI_ONLY mode (InvalidRequestException)', async () => {
      const ca = await createCa({ commonName: 'sni CA' });
      await expect(t.iot().send(new RegisterCACertificateCommand({ caCertificate: ca.certificatePem }))).rejects.toBeInstanceOf(
        InvalidRequestException,
      );
      const { registrationCode } = await t.iot().send(new GetRegistrationCodeCommand({}));
      const verificationCertificate = await createVerificationCertificate(ca, registrationCode ?? '');
      await expect(
        t.iot().send(new RegisterCACertificateCommand({ caCertificate: ca.certificatePem, verificationCertificate, certificateMode: 'SNI_ONLY' })),
      ).rejects.toBeInstanceOf(InvalidRequestException);
      await t.iot().send(new RegisterCACertificateCommand({ caCertificate: ca.certificatePem, certificateMode: 'SNI_ONLY' }));
      const d = await t.iot().send(new DescribeCACertificateCommand({ certificateId: ca.certificateId }));
      expect(d.certificateDescription?.certificateMode).toBe('SNI_ONLY');
    });

    it('refuses a registration config naming a template both inline and by name, or with a body that is not a JITP template', async () => {
      const ca = await createCa({ commonName: 'bad-config CA' });
      const noCertificate = JSON.stringify({ Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: 'x' } } } });
      for (const registrationConfig of [{ templateBody: TEMPLATE, templateName: 'jitp' }, { templateBody: '{not json' }, { templateBody: noCertificate }]) {
        await expect(registerVerifiedCa(t.iot(), ca, { registrationConfig })).rejects.toBeInstanceOf(InvalidRequestException);
      }
      await expect(registerVerifiedCa(t.iot(), ca, { registrationConfig: { templateBody: noCertificate } })).rejects.toThrow(
        /exactly one AWS::IoT::Certificate/,
      );
      expect(t.registry.getCaCertificate(ca.certificateId)).toBeUndefined();
    });
  });

  describe('Operation: UpdateCACertificate', () => {
    it('changes auto-registration and the registration config, and removeAutoRegistration drops both', async () => {
      const ca = await createCa({ commonName: 'update CA' });
      await registerVerifiedCa(t.iot(), ca, { setAsActive: true });
      const id = ca.certificateId;
      await t.iot().send(
        new UpdateCACertificateCommand({ certificateId: id, newAutoRegistrationStatus: 'ENABLE', registrationConfig: { templateName: 'watch-jitp' } }),
      );
      let d = await t.iot().send(new DescribeCACertificateCommand({ certificateId: id }));
      expect(d.certificateDescription?.autoRegistrationStatus).toBe('ENABLE');
      expect(d.registrationConfig).toEqual({ templateName: 'watch-jitp' });
      await t.restart();
      d = await t.iot().send(new DescribeCACertificateCommand({ certificateId: id }));
      expect(d.registrationConfig).toEqual({ templateName: 'watch-jitp' });
      const byTemplate = await t.iot().send(new ListCACertificatesCommand({ templateName: 'watch-jitp' }));
      expect(byTemplate.certificates?.map((c) => c.certificateId)).toEqual([id]);
      // as on AWS, the list holds the account's own CAs only (not the stand-in for Amazon's CA)
      const listed = (await t.iot().send(new ListCACertificatesCommand({}))).certificates?.map((c) => c.certificateId);
      expect(listed).toContain(id);
      expect(listed).not.toContain(t.ca.certificateId);
      await expect(t.iot().send(new DescribeCACertificateCommand({ certificateId: t.ca.certificateId }))).resolves.toBeDefined();
      await t.iot().send(new UpdateCACertificateCommand({ certificateId: id, removeAutoRegistration: true }));
      d = await t.iot().send(new DescribeCACertificateCommand({ certificateId: id }));
      expect(d.certificateDescription?.autoRegistrationStatus).toBe('DISABLE');
      expect(d.registrationConfig).toBeUndefined();
    });
  });
});
