/**
 * CreateKeysAndCertificate and CreateCertificateFromCsr of the fleet provisioning MQTT
 * API: a certificate from the AWS-managed CA (locally: the stack's CA) in status
 * PENDING_ACTIVATION, with an ownership token bound to the requesting connection.
 * https://docs.aws.amazon.com/iot/latest/developerguide/fleet-provision-api.html
 */
import { type CaMaterial, createKeysAndCertificate, inspectCertificate, issueFromCsr } from '../../certs/index';
import { isPulsepetError } from '../../protocol/errors';
import type { Registry } from '../registry/registry';
import { ProvisioningRejection } from './mqtt-api';
import type { OwnershipTokens, TokenBinding } from './ownership-tokens';

export interface ClaimCertificateDeps {
  registry: Registry;
  ca: CaMaterial;
  tokens: OwnershipTokens;
}

export interface CreatedCertificate {
  certificateId: string;
  certificatePem: string;
  certificateOwnershipToken: string;
}

async function storePending(deps: ClaimCertificateDeps, issued: { certificateId: string; certificatePem: string }, binding: TokenBinding): Promise<CreatedCertificate> {
  const info = inspectCertificate(issued.certificatePem);
  await deps.registry.addCertificate({
    certificateId: issued.certificateId,
    certificatePem: issued.certificatePem,
    status: 'PENDING_ACTIVATION',
    caCertificateId: deps.ca.certificateId,
    ...(info.subjectCommonName !== undefined ? { subjectCommonName: info.subjectCommonName } : {}),
    validity: { notBefore: info.notBefore, notAfter: info.notAfter },
  });
  const certificateOwnershipToken = deps.tokens.issue(issued.certificateId, binding);
  return { certificateId: issued.certificateId, certificatePem: issued.certificatePem, certificateOwnershipToken };
}

/** CreateKeysAndCertificate: a new key pair and certificate; the private key goes to the device only (never stored). */
export async function createKeysAndCertificateForClaim(
  deps: ClaimCertificateDeps,
  binding: TokenBinding,
): Promise<CreatedCertificate & { privateKey: string }> {
  const issued = await createKeysAndCertificate(deps.ca);
  const created = await storePending(deps, issued, binding);
  return { ...created, privateKey: issued.keyPair.PrivateKey };
}

/** CreateCertificateFromCsr: a certificate for the device's own key (the key never leaves the device). */
export async function createCertificateFromCsrForClaim(deps: ClaimCertificateDeps, csrPem: string, binding: TokenBinding): Promise<CreatedCertificate> {
  let issued: { certificateId: string; certificatePem: string };
  try {
    issued = await issueFromCsr(deps.ca, csrPem);
  } catch (e) {
    if (isPulsepetError(e, 'PP_ERR_CERT')) throw new ProvisioningRejection(400, 'InvalidCertificateSigningRequest', e.message);
    throw e;
  }
  return storePending(deps, issued, binding);
}

/**
 * What happens to the certificate of a token that expired unused: AWS deletes a
 * certificate not activated and attached to neither policy nor thing by then.
 */
export async function dropUnclaimedCertificate(registry: Registry, certificateId: string): Promise<boolean> {
  const cert = registry.getCertificate(certificateId);
  if (cert?.status !== 'PENDING_ACTIVATION') return false;
  const arn = cert.certificateArn;
  if (registry.thingsForPrincipal(arn).length > 0 || registry.policiesForPrincipal(arn).length > 0) return false;
  await registry.deleteCertificate(certificateId);
  return true;
}
