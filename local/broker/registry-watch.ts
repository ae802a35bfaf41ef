import type { Logger } from '../../common/logger';
import type { RegistryReader } from '../registry/index';
import type { BrokerAuthorizer } from './authz';
import type { ConnectionTable } from './connections';
import type { Session } from './session';

/**
 * Applies registry changes to live connections, as IoT Core does: a certificate
 * made INACTIVE or REVOKED, or deleted, or whose issuing CA is deactivated closes
 * its connections (lifecycle reason AUTH_ERROR); a policy or attachment change drops
 * cached authorization decisions, so the next operation is evaluated afresh.
 * https://docs.aws.amazon.com/iot/latest/developerguide/x509-client-certs.html
 *
 * @returns a function that stops watching
 */
export function watchRegistry(registry: RegistryReader, connections: ConnectionTable, authorizer: BrokerAuthorizer, log: Logger): () => void {
  const dropCertificate = (certificateId: string, why: string) => {
    const set = connections.byCertificate(certificateId);
    if (set) connections.drop((s) => set.has(s), 'AUTH_ERROR', why, log);
  };
  const onCertStatus = (e: { certificateId: string; status: string }) => {
    if (e.status !== 'ACTIVE') dropCertificate(e.certificateId, `certificate ${e.status}`);
  };
  const onCertDeleted = (e: { certificateId: string }) => dropCertificate(e.certificateId, 'certificate deleted');
  const onCaStatus = (e: { certificateId: string; status: string }) => {
    if (e.status === 'ACTIVE') return;
    const issuedBy = (s: Session) => s.principal.kind === 'certificate' && s.principal.caCertificateId === e.certificateId;
    connections.drop(issuedBy, 'AUTH_ERROR', 'issuing CA inactive', log);
  };
  const onPolicyChange = () => authorizer.invalidate();
  registry.on('certificate-status', onCertStatus);
  registry.on('certificate-deleted', onCertDeleted);
  registry.on('ca-status', onCaStatus);
  registry.on('policy-changed', onPolicyChange);
  registry.on('attachments-changed', onPolicyChange);
  return () => {
    registry.off('certificate-status', onCertStatus);
    registry.off('certificate-deleted', onCertDeleted);
    registry.off('ca-status', onCaStatus);
    registry.off('policy-changed', onPolicyChange);
    registry.off('attachments-changed', onPolicyChange);
  };
}
