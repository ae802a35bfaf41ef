import { certificateIdFromPem, EC_ALG, generateKeyPair, privateKeyToPem, randomSerial, x509 } from './crypto';

/** A certificate authority: its certificate and the key that signs with it (never logged). */
export interface CaMaterial {
  certificatePem: string;
  privateKeyPem: string;
  certificateId: string;
}

const DAY_MS = 86_400_000;

/**
 * Creates a self-signed EC P-256 CA, usable as an IoT Core CA certificate
 * (basicConstraints CA:true, keyCertSign) —
 * https://docs.aws.amazon.com/iot/latest/developerguide/create-your-CA-cert.html
 */
export async function createCa(opts: { commonName: string; validityDays?: number }): Promise<CaMaterial> {
  const keys = await generateKeyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [opts.commonName] }, { O: ['pulsepet'] }],
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + (opts.validityDays ?? 3650) * DAY_MS),
    signingAlgorithm: EC_ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certificatePem = cert.toString('pem');
  return {
    certificatePem,
    privateKeyPem: await privateKeyToPem(keys.privateKey),
    certificateId: certificateIdFromPem(certificatePem),
  };
}
