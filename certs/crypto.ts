import 'reflect-metadata'; // @peculiar/x509 uses tsyringe, which needs the Reflect metadata polyfill
import { createHash, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { PulsepetError } from '../protocol/errors';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** EC P-256 with ECDSA/SHA-256 everywhere: small keys, fast handshakes, supported by IoT Core. */
export const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function publicKeyToPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('spki', key as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PUBLIC KEY');
}

/** A CA's private key ready to sign, with the signature algorithm its type calls for. */
export interface SigningKey {
  key: CryptoKey;
  algorithm: typeof EC_ALG | EcdsaParams | RsaHashedImportParams;
}

/**
 * Imports a PEM private key for signing: EC (P-256, P-384; PKCS#8 or SEC1 "EC PRIVATE
 * KEY") or RSA (PKCS#8 or PKCS#1 "RSA PRIVATE KEY", as `openssl genrsa` writes for the CAs
 * the AWS IoT guide creates). Signatures use SHA-256 (SHA-384 on P-384).
 */
export async function importSigningKey(pem: string): Promise<SigningKey> {
  try {
    const key = createPrivateKey(pem);
    const der = key.export({ type: 'pkcs8', format: 'der' });
    if (key.asymmetricKeyType === 'rsa') {
      const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
      return { key: (await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign'])) as CryptoKey, algorithm };
    }
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const algorithm = curve === 'secp384r1' ? { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' } : EC_ALG;
    return { key: (await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign'])) as CryptoKey, algorithm };
  } catch (e) {
    throw new PulsepetError('PP_ERR_CERT', 'cannot import the CA private key (expected an unencrypted EC P-256/P-384 or RSA PEM key)', {
      cause: e,
    });
  }
}

/** A positive 128-bit serial, as RFC 5280 §4.1.2.2 asks (≤ 20 octets, non-negative). */
export function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
}

export function parsePemCertificate(pem: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch (e) {
    throw new PulsepetError('PP_ERR_CERT', 'not a valid PEM X.509 certificate', { cause: e });
  }
}

/** AWS IoT certificate id: lowercase hex SHA-256 of the certificate's DER encoding. */
export function certificateIdFromDer(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

export function certificateIdFromPem(pem: string): string {
  return certificateIdFromDer(new Uint8Array(parsePemCertificate(pem).rawData));
}

export { x509 };
