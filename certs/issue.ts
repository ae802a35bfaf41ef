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
  subject: string | x509.Name;
  publicKey: x509.PublicKeyType;
  validityDays: number;
  extensions: x509.Extension[];
}

async function issue(ca: CaMaterial, p: IssueParams): Promise<string> {
  const caCert = parsePemCertificate(ca.certificatePem);
  const signing = await importSigningKey(ca.privateKeyPem);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: p.subject,
    // the CA's own encoding of its name, so chain building matches it byte for byte
    issuer: caCert.subjectName,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + p.validityDays * DAY_MS),
    signingAlgorithm: signing.algorithm,
    publicKey: p.publicKey,
    signingKey: signing.key,
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
    // the CSR's own encoding of its name (attributes such as serialNumber survive unchanged)
    subject: csr.subject ? csr.subjectName : 'CN=AWS IoT Certificate',
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

/**
 * Subject attributes besides the common name, by the names JITP gives its template
 * parameters (`AWS::IoT::Certificate::Country` …), as X.520 attribute OIDs.
 */
export const SUBJECT_ATTRIBUTE_OIDS = {
  Country: '2.5.4.6',
  Organization: '2.5.4.10',
  OrganizationalUnit: '2.5.4.11',
  DistinguishedNameQualifier: '2.5.4.46',
  StateName: '2.5.4.8',
  CommonName: '2.5.4.3',
  SerialNumber: '2.5.4.5',
} as const;
export type SubjectAttributes = Partial<Record<Exclude<keyof typeof SUBJECT_ATTRIBUTE_OIDS, 'CommonName'>, string>>;

/** A device-side CSR: the private key stays with the caller. */
export async function createCsr(opts: {
  commonName: string;
  /** more subject attributes (Country, Organization, SerialNumber …) */
  attributes?: SubjectAttributes;
}): Promise<{ csrPem: string; privateKeyPem: string }> {
  const keys = await generateKeyPair();
  const extra = Object.entries(opts.attributes ?? {})
    .filter((e): e is [keyof SubjectAttributes, string] => e[1] !== undefined)
    .map(([k, v]) => ({ [SUBJECT_ATTRIBUTE_OIDS[k]]: [v] }));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: extra.length === 0 ? `CN=${escapeDn(opts.commonName)}` : [{ CN: [opts.commonName] }, ...extra],
    keys,
    signingAlgorithm: EC_ALG,
  });
  return { csrPem: csr.toString('pem'), privateKeyPem: await privateKeyToPem(keys.privateKey) };
}

/** RFC 4514 escaping for a value in a string DN. */
function escapeDn(v: string): string {
  return v.replace(/([,+"\\<>;=])/g, '\\$1').replace(/^([ #])/, '\\$1');
}
