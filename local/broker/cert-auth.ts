import { X509Certificate } from 'node:crypto';
import { certificateIdFromDer } from '../../certs/index';
import type { RegistryReader } from '../registry/index';
import type { BrokerPrincipal } from './authz';

export type CertCheck =
  | { ok: true; principal: Extract<BrokerPrincipal, { kind: 'certificate' }> }
  /** `autoRegister`: unknown or still PENDING_ACTIVATION, so just-in-time registration may apply */
  | { ok: false; reason: string; certificateId?: string; autoRegister?: true };

/**
 * Authenticates a TLS client certificate against the registry, as IoT Core does for
 * X.509 client authentication
 * (https://docs.aws.amazon.com/iot/latest/developerguide/x509-client-certs.html):
 * the certificate must be registered and ACTIVE, within its validity, and issued by
 * a registered ACTIVE CA. The TLS server runs with `rejectUnauthorized: false`
 * because registered CAs change at run time; proof of key possession is still
 * checked by the TLS handshake (CertificateVerify) regardless of chain validation.
 */
export class CertificateAuthenticator {
  /** CA certificates by id; a CA id is the hash of its DER, so an entry never goes stale. */
  private readonly caCerts = new Map<string, X509Certificate>();
  /** `${certId}/${caId}` pairs whose signature was verified (immutable facts). */
  private readonly verified = new Set<string>();

  constructor(private readonly registry: RegistryReader) {}

  check(peer: X509Certificate | undefined, now = Date.now()): CertCheck {
    if (peer === undefined) return { ok: false, reason: 'no client certificate' };
    const certificateId = certificateIdFromDer(peer.raw);
    const rec = this.registry.getCertificate(certificateId);
    if (!rec) return { ok: false, reason: 'certificate not registered', certificateId, autoRegister: true };
    if (rec.status === 'PENDING_ACTIVATION') return { ok: false, reason: 'certificate is PENDING_ACTIVATION', certificateId, autoRegister: true };
    if (rec.status !== 'ACTIVE') return { ok: false, reason: `certificate is ${rec.status}`, certificateId };
    if (now < rec.validity.notBefore || now > rec.validity.notAfter) {
      return { ok: false, reason: 'certificate outside its validity period', certificateId };
    }
    const caId = rec.caCertificateId;
    if (caId === undefined) return { ok: false, reason: 'certificate has no registered CA', certificateId };
    const ca = this.registry.getCaCertificate(caId);
    if (!ca) return { ok: false, reason: 'issuing CA not registered', certificateId };
    if (ca.status !== 'ACTIVE') return { ok: false, reason: `issuing CA is ${ca.status}`, certificateId };
    const pair = `${certificateId}/${caId}`;
    if (!this.verified.has(pair)) {
      let caCert = this.caCerts.get(caId);
      if (!caCert) {
        caCert = new X509Certificate(ca.certificatePem);
        this.caCerts.set(caId, caCert);
      }
      if (!peer.checkIssued(caCert) || !peer.verify(caCert.publicKey)) {
        return { ok: false, reason: 'certificate not signed by its registered CA', certificateId };
      }
      this.verified.add(pair);
    }
    const principal: CertCheck & { ok: true } = {
      ok: true,
      principal: {
        kind: 'certificate',
        certificateId,
        certificateArn: rec.certificateArn,
        caCertificateId: caId,
      },
    };
    if (rec.subjectCommonName !== undefined) principal.principal.subjectCommonName = rec.subjectCommonName;
    return principal;
  }
}
