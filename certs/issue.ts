import { isIP } from 'node:net';
import { PulsepetError } from '../protocol/errors';
import type { CaMaterial } from './ca';
import {
  certificateIdFromPem,
  EC_ALG,
  generateKeyPair,
  importSigningKey,
  parsePemCertificate,
  privateKeyToPem,
  publicKeyToPem,
  randomSerial,
  x509,
} from './crypto';

const DAY_MS = 86_400_000;

interface IssueParams {
  subject: string;
  publicKey: x509.PublicKeyType;
  validityDays: number;
  extensions: x509.Extension[];
}

async function issue(ca: CaMaterial, p: IssueParams): Promise<string> {
  const caCert = parsePemCertificate(ca.certificatePem);
  const signingKey = await importSigningKey(ca.privateKeyPem);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: p.subject,
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + p.validityDays * DAY_MS),
    signingAlgorithm: EC_ALG,
    publicKey: p.publicKey,
    signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
      ...p.extensions,
    ],
  });
  return cert.toString('pem');
}

function deviceExtensions(): x509.Extension[] {
  return [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
  ];
}

/** Like AWS CreateKeysAndCertificate: a new key pair and a certificate for it, issued by `ca`. */
export async function createKeysAndCertificate(
  ca: CaMaterial,
  opts: { commonName?: string; validityDays?: number } = {},
): Promise<{ certificatePem: string; certificateId: string; keyPair: { PublicKey: string; PrivateKey: string } }> {
  const keys = await generateKeyPair();
  const certificatePem = await issue(ca, {
    subject: `CN=${escapeDn(opts.commonName ?? 'AWS IoT Certificate')}`,
    publicKey: keys.publicKey,
    validityDays: opts.validityDays ?? 3650,
    extensions: deviceExtensions(),
  });
  return {
    certificatePem,
    certificateId: certificateIdFromPem(certificatePem),
    keyPair: { PublicKey: await publicKeyToPem(keys.publicKey), PrivateKey: await privateKeyToPem(keys.privateKey) },
  };
}

/**
 * Like AWS CreateCertificateFromCsr: the device keeps its key; the CSR's signature
 * is verified before anything is issued.
 */
export async function issueFromCsr(
  ca: CaMaterial,
  csrPem: string,
  opts: { validityDays?: number } = {},
): Promise<{ certificatePem: string; certificateId: string }> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (e) {
    throw new PulsepetError('PP_ERR_CERT', 'the CSR is not a valid PEM PKCS#10 request', { cause: e });
  }
  let valid = false;
  try {
    valid = await csr.verify();
  } catch (e) {
    throw new PulsepetError('PP_ERR_CERT', 'the CSR signature cannot be verified', { cause: e });
  }
  if (!valid) throw new PulsepetError('PP_ERR_CERT', 'the CSR signature is invalid');
  const certificatePem = await issue(ca, {
    subject: csr.subject || 'CN=AWS IoT Certificate',
    publicKey: csr.publicKey,
    validityDays: opts.validityDays ?? 3650,
    extensions: deviceExtensions(),
  });
  return { certificatePem, certificateId: certificateIdFromPem(certificatePem) };
}

/** A TLS server certificate for the local broker/gateway (SAN: the given hosts/IPs). */
export async function createServerCertificate(
  ca: CaMaterial,
  opts: { hosts: string[]; validityDays?: number },
): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const keys = await generateKeyPair();
  const names = opts.hosts.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
  const certificatePem = await issue(ca, {
    subject: `CN=${escapeDn(opts.hosts[0] ?? 'localhost')}`,
    publicKey: keys.publicKey,
    validityDays: opts.validityDays ?? 825,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(names, false),
    ],
  });
  return { certificatePem, privateKeyPem: await privateKeyToPem(keys.privateKey) };
}

/** A device-side CSR: the private key stays with the caller. */
export async function createCsr(opts: { commonName: string }): Promise<{ csrPem: string; privateKeyPem: string }> {
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${escapeDn(opts.commonName)}`,
    keys,
    signingAlgorithm: EC_ALG,
  });
  return { csrPem: csr.toString('pem'), privateKeyPem: await privateKeyToPem(keys.privateKey) };
}

/** RFC 4514 escaping for a value in a string DN. */
function escapeDn(v: string): string {
  return v.replace(/([,+"\\<>;=])/g, '\\$1').replace(/^([ #])/, '\\$1');
}
