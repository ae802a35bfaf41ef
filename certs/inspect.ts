import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PulsepetError } from '../protocol/errors';
import { parsePemCertificate, x509 } from './crypto';
import { SUBJECT_ATTRIBUTE_OIDS } from './issue';

export interface CertificateInfo {
  subjectCommonName?: string;
  subject: string;
  issuer: string;
  notBefore: number;
  notAfter: number;
  isCa: boolean;
}

export function inspectCertificate(pem: string): CertificateInfo {
  const cert = parsePemCertificate(pem);
  const cn = cert.subjectName.getField('CN')[0];
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  const info: CertificateInfo = {
    subject: cert.subject,
    issuer: cert.issuer,
    notBefore: cert.notBefore.getTime(),
    notAfter: cert.notAfter.getTime(),
    isCa: bc?.ca === true,
  };
  if (cn !== undefined) info.subjectCommonName = cn;
  return info;
}

/** True when `certPem` is signed by `caPem`'s key and names it as issuer. */
export async function verifyIssuedBy(certPem: string, caPem: string): Promise<boolean> {
  const cert = parsePemCertificate(certPem);
  const ca = parsePemCertificate(caPem);
  if (cert.issuer !== ca.subject) return false;
  try {
    return await cert.verify({ publicKey: ca.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

/** Writes a private key readable by its owner only (0600), creating the folder. */
export function writePrivateKeyFile(path: string, pem: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, pem, { mode: 0o600 });
    chmodSync(path, 0o600); // the mode option does not apply when the file already existed
  } catch (e) {
    throw new PulsepetError('PP_ERR_CERT', `cannot write key file ${path}`, { cause: e });
  }
}

/**
 * The subject attributes JITP can fill template parameters from
 * (https://docs.aws.amazon.com/iot/latest/developerguide/jit-provisioning.html), keyed by
 * the parameter's last part (`CommonName`, `Country`, `SerialNumber` …); absent ones are left out.
 */
export function subjectAttributes(pem: string): Partial<Record<keyof typeof SUBJECT_ATTRIBUTE_OIDS, string>> {
  const name = parsePemCertificate(pem).subjectName;
  const out: Partial<Record<keyof typeof SUBJECT_ATTRIBUTE_OIDS, string>> = {};
  for (const [param, oid] of Object.entries(SUBJECT_ATTRIBUTE_OIDS) as Array<[keyof typeof SUBJECT_ATTRIBUTE_OIDS, string]>) {
    const v = name.getField(oid)[0];
    if (v !== undefined) out[param] = v;
  }
  return out;
}
