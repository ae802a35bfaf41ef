import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { isPulsepetError } from '../protocol/errors';
import {
  certificateIdFromPem,
  createCa,
  createCsr,
  createKeysAndCertificate,
  createServerCertificate,
  inspectCertificate,
  issueFromCsr,
  verifyIssuedBy,
  writePrivateKeyFile,
} from './index';

describe('certs', () => {
  it('creates an EC P-256 CA whose id is the sha256 of its DER', async () => {
    const ca = await createCa({ commonName: 'test CA' });
    const node = new X509Certificate(ca.certificatePem);
    expect(node.ca).toBe(true);
    expect(node.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(ca.certificateId).toBe(createHash('sha256').update(node.raw).digest('hex'));
    expect(ca.certificateId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('issues key and certificate together, signed by the CA, for client auth', async () => {
    const ca = await createCa({ commonName: 'test CA' });
    const made = await createKeysAndCertificate(ca, { commonName: 'pet-1' });
    const node = new X509Certificate(made.certificatePem);
    expect(node.verify(new X509Certificate(ca.certificatePem).publicKey)).toBe(true);
    expect(node.ca).toBe(false);
    expect(node.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
    expect(made.keyPair.PrivateKey).toContain('BEGIN PRIVATE KEY');
    expect(certificateIdFromPem(made.certificatePem)).toBe(made.certificateId);
    expect(inspectCertificate(made.certificatePem).subjectCommonName).toBe('pet-1');
    expect(await verifyIssuedBy(made.certificatePem, ca.certificatePem)).toBe(true);
  });

  it('issues from a CSR so the device keeps its key', async () => {
    const ca = await createCa({ commonName: 'test CA' });
    const { csrPem, privateKeyPem } = await createCsr({ commonName: 'pet-2' });
    const { certificatePem } = await issueFromCsr(ca, csrPem);
    const node = new X509Certificate(certificatePem);
    expect(node.checkPrivateKey((await import('node:crypto')).createPrivateKey(privateKeyPem))).toBe(true);
    expect(inspectCertificate(certificatePem).subjectCommonName).toBe('pet-2');
  });

  it('refuses a CSR that is not one', async () => {
    const ca = await createCa({ commonName: 'test CA' });
    const err = await issueFromCsr(ca, '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----').catch(
      (e: unknown) => e,
    );
    expect(isPulsepetError(err, 'PP_ERR_CERT')).toBe(true);
  });

  it('says a certificate from another CA was not issued by this one', async () => {
    const a = await createCa({ commonName: 'A' });
    const b = await createCa({ commonName: 'B' });
    const made = await createKeysAndCertificate(b);
    expect(await verifyIssuedBy(made.certificatePem, a.certificatePem)).toBe(false);
  });

  it('writes private keys with mode 0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-certs-'));
    const path = join(dir, 'sub', 'dev.private.key');
    writePrivateKeyFile(path, 'x');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('completes a mutual TLS handshake with a server and a device certificate from the same CA', async () => {
    const ca = await createCa({ commonName: 'test CA' });
    const server = await createServerCertificate(ca, { hosts: ['localhost', '127.0.0.1'] });
    const device = await createKeysAndCertificate(ca, { commonName: 'pet-3' });
    const srv = createServer({
      key: server.privateKeyPem,
      cert: server.certificatePem,
      ca: [ca.certificatePem],
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    });
    const peerCn = new Promise<string>((resolve) => {
      srv.on('secureConnection', (s: TLSSocket) => {
        resolve(String(s.getPeerCertificate().subject.CN));
        s.end();
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const client = connect({
      host: '127.0.0.1',
      port,
      ca: [ca.certificatePem],
      cert: device.certificatePem,
      key: device.keyPair.PrivateKey,
    });
    await new Promise<void>((resolve, reject) => {
      client.once('secureConnect', resolve);
      client.once('error', reject);
    });
    expect(await peerCn).toBe('pet-3');
    client.destroy();
    await new Promise<void>((r) => srv.close(() => r()));
  });
});
