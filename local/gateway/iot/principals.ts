import type { IncomingHttpHeaders } from 'node:http';
import { iotError } from '../../registry/errors';
import type { RegistryContext } from './context';

/**
 * A certificate principal ARN, `arn:{partition}:iot:{region}:{account}:cert/{certificateId}`
 * (IoT developer guide, "AWS IoT resources" ARN formats). Certificates are the only
 * principals the local registry holds.
 */
export const CERTIFICATE_ARN_RE = /^arn:aws[a-z-]*:iot:[^:]*:[^:]*:cert\/[0-9a-f]{64}$/;

/** Whether an ARN names a certificate at all (`…:cert/…`), well formed or not. */
export function isCertificateArn(arn: string): boolean {
  return /:cert\//.test(arn);
}

/**
 * Checks that `arn`, given as a policy `target` or a thing `principal`, is a
 * certificate ARN (else InvalidRequestException) of a registered certificate (else
 * ResourceNotFoundException, as AWS answers AttachPolicy / AttachThingPrincipal).
 */
export function requireCertificatePrincipal(ctx: RegistryContext, arn: string, role: 'target' | 'principal'): void {
  if (!CERTIFICATE_ARN_RE.test(arn)) {
    throw iotError('InvalidRequestException', `${role} must be a certificate ARN, got '${arn}'`);
  }
  if (!ctx.registry.certificateForPrincipal(arn)) {
    throw iotError('ResourceNotFoundException', `The certificate given in the ${role} does not exist: ${arn}`);
  }
}

/**
 * The principal of AttachThingPrincipal, DetachThingPrincipal and ListPrincipalThings:
 * the SDK sends it in the `x-amzn-principal` header (`@httpHeader` in the Smithy model).
 */
export function principalHeader(headers: IncomingHttpHeaders): string {
  const v = headers['x-amzn-principal'];
  const p = Array.isArray(v) ? v[0] : v;
  if (!p) throw iotError('InvalidRequestException', 'the principal (x-amzn-principal) is required');
  return p;
}
