import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPulsepetError } from '../protocol/errors';
import { openssl, opensslRootCa } from '../test/support/openssl';
import {
  createCa,
  createVerificationCertificate,
  inspectCertificate,
  issueDeviceCertificate,
  operatorCa,
  subjectAttributes,
  verifyIssuedBy,
} from './index';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** An RSA CA made the way the AWS IoT guide makes one (openssl genrsa + req -x509), its key in PKCS#1. */
function opensslRsaCa(): { certificatePem: string; privateKeyPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pp-openssl-ca-'));
  dirs.push(dir);
  const ca = opensslRootCa(dir, 'ca');
  openssl(dir, ['rsa', '-in', 'ca.key', '-traditional', '-out', 'ca-pkcs1.key']);
  return { certificatePem: ca.certificatePem, privateKeyPem: readFileSync(join(dir, 'ca-pkcs1.key'), 'utf8') };
}

describe('certs: operator CAs', () => {
  it('signs a verification certificate whose CN is the registration code, with an EC or an RSA (PKCS#1) CA key', async () => {
    const code = 'ab'.repeat(32);
    for (const ca of [await createCa({ commonName: 'ec operator' }), opensslRsaCa()]) {
      const pem = await createVerificationCertificate(ca, code);
      expect(inspectCertificate(pem).subjectCommonName).toBe(code);
      expect(await verifyIssuedBy(pem, ca.certificatePem)).toBe(true);
      // OpenSSL's own chain check agrees (issuer name encoding is the CA's)
      expect(new X509Certificate(pem).checkIssued(new X509Certificate(ca.certificatePem))).toBe(true);
    }
  });

  it('issues a device certificate with the subject attributes a JITP template reads', async () => {
    const ca = opensslRsaCa();
    const dev = await issueDeviceCertificate(ca, { commonName: 'watch-7', attributes: { Country: 'DE', SerialNumber: 'SN-0007', Organization: 'Acme' } });
    expect(subjectAttributes(dev.certificatePem)).toEqual({ CommonName: 'watch-7', Country: 'DE', SerialNumber: 'SN-0007', Organization: 'Acme' });
    const node = new X509Certificate(dev.certificatePem);
    expect(node.checkPrivateKey(createPrivateKey(dev.privateKeyPem))).toBe(true);
    expect(node.verify(new X509Certificate(ca.certificatePem).publicKey)).toBe(true);
  });

  it('refuses a CA key that is not the CA certificate’s, and a certificate that is not a CA', async () => {
    const a = await createCa({ commonName: 'a' });
    const b = await createCa({ commonName: 'b' });
    const mismatch = (() => {
      try {
        return operatorCa({ certificatePem: a.certificatePem, privateKeyPem: b.privateKeyPem });
      } catch (e) {
        return e;
      }
    })();
    expect(isPulsepetError(mismatch, 'PP_ERR_CERT')).toBe(true);
    expect((mismatch as Error).message).toMatch(/does not belong/);
    const leaf = await issueDeviceCertificate(a, { commonName: 'leaf' });
    expect(() => operatorCa({ certificatePem: leaf.certificatePem, privateKeyPem: leaf.privateKeyPem })).toThrow(/not a CA/);
    expect(operatorCa(a).certificateId).toBe(a.certificateId);
  });
});
