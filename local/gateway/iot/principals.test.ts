import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../common/logger';
import { iotErrorThrownBy } from '../../../test/support/local/gateway';
import { Registry } from '../../registry/registry';
import { requireCaCertificate, requireCertificate, requirePolicy, requireThing, requireThingType } from './lookups';
import { certificateIdLabel, policyNameLabel, policyVersionLabel, thingNameLabel, thingTypeNameLabel } from './path-labels';
import { CERTIFICATE_ARN_RE, isCertificateArn, principalHeader, requireCertificatePrincipal } from './principals';

const CERT = 'c'.repeat(64);
let registry: Registry;
let certArn: string;
beforeAll(async () => {
  registry = Registry.open(mkdtempSync(join(tmpdir(), 'pp-principals-')), { region: 'us-east-1', logger: silentLogger() });
  const rec = await registry.addCertificate({
    certificateId: CERT,
    certificatePem: 'PEM',
    status: 'ACTIVE',
    validity: { notBefore: 0, notAfter: 4_000_000_000_000 },
  });
  certArn = rec.certificateArn;
});
afterAll(() => registry.close());

describe('Function: requireCertificatePrincipal', () => {
  it('accepts the ARN of a registered certificate', () => {
    expect(CERTIFICATE_ARN_RE.test(certArn)).toBe(true);
    expect(iotErrorThrownBy(() => requireCertificatePrincipal({ registry }, certArn, 'target'))).toBeUndefined();
  });

  it('rejects a non-certificate ARN as invalid and an unknown certificate as not found, naming the role', () => {
    const thingArn = 'arn:aws:iot:us-east-1:000000000000:thing/pet-1';
    expect(iotErrorThrownBy(() => requireCertificatePrincipal({ registry }, thingArn, 'principal'))).toBe(
      'InvalidRequestException',
    );
    const unknown = certArn.replace(CERT, 'd'.repeat(64));
    expect(() => requireCertificatePrincipal({ registry }, unknown, 'target')).toThrow(
      /certificate given in the target does not exist/,
    );
    expect(iotErrorThrownBy(() => requireCertificatePrincipal({ registry }, unknown, 'principal'))).toBe(
      'ResourceNotFoundException',
    );
  });

  it('tells certificate ARNs (even malformed ones) from other principals', () => {
    expect(isCertificateArn(certArn)).toBe(true);
    expect(isCertificateArn('arn:aws:iot:us-east-1:000000000000:cert/short')).toBe(true);
    expect(isCertificateArn('arn:aws:iam::000000000000:role/display')).toBe(false);
  });
});

describe('Function: principalHeader', () => {
  it('reads x-amzn-principal (the first of repeated headers) and requires it', () => {
    expect(principalHeader({ 'x-amzn-principal': certArn })).toBe(certArn);
    expect(principalHeader({ 'x-amzn-principal': [certArn, 'other'] })).toBe(certArn);
    expect(iotErrorThrownBy(() => principalHeader({}))).toBe('InvalidRequestException');
  });
});

describe('Path labels', () => {
  it('passes valid names and answers invalid ones with InvalidRequestException', () => {
    expect(thingNameLabel({ thingName: 'pet-1' })).toBe('pet-1');
    expect(policyNameLabel({ policyName: 'pulsepet-device' })).toBe('pulsepet-device');
    expect(thingTypeNameLabel({ thingTypeName: 'watch:v1' })).toBe('watch:v1');
    expect(certificateIdLabel({ certificateId: CERT })).toBe(CERT);
    expect(policyVersionLabel({})).toBe('');
    expect(iotErrorThrownBy(() => thingNameLabel({ thingName: 'bad name' }))).toBe('InvalidRequestException');
    expect(iotErrorThrownBy(() => policyNameLabel({ policyName: 'a/b' }))).toBe('InvalidRequestException');
    expect(iotErrorThrownBy(() => thingTypeNameLabel({}))).toBe('InvalidRequestException');
    expect(iotErrorThrownBy(() => certificateIdLabel({ certificateId: CERT.toUpperCase() }))).toBe(
      'InvalidRequestException',
    );
  });
});

describe('Lookups', () => {
  it('return what exists and answer what does not with ResourceNotFoundException', () => {
    expect(requireCertificate({ registry }, CERT).certificateArn).toBe(certArn);
    for (const lookup of [requireThing, requireThingType, requirePolicy, requireCertificate, requireCaCertificate]) {
      expect(iotErrorThrownBy(() => lookup({ registry }, 'e'.repeat(64)))).toBe('ResourceNotFoundException');
    }
  });
});
