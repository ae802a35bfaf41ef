import { iotError } from '../../registry/errors';
import type {
  CaCertificateRecord,
  CertificateRecord,
  PolicyRecord,
  ThingRecord,
  ThingTypeRecord,
} from '../../registry/types';
import type { RegistryContext } from './context';

/*
 * Registry reads that must find their resource: a missing one is the
 * ResourceNotFoundException the operation documents, worded as before.
 */

export function requireThing(ctx: RegistryContext, thingName: string): ThingRecord {
  const thing = ctx.registry.getThing(thingName);
  if (!thing) throw iotError('ResourceNotFoundException', `Thing ${thingName} cannot be found.`);
  return thing;
}

export function requireThingType(ctx: RegistryContext, thingTypeName: string): ThingTypeRecord {
  const type = ctx.registry.thingTypes.getType(thingTypeName);
  if (!type) throw iotError('ResourceNotFoundException', `Thing type ${thingTypeName} is not found`);
  return type;
}

export function requirePolicy(ctx: RegistryContext, policyName: string): PolicyRecord {
  const policy = ctx.registry.getPolicy(policyName);
  if (!policy) throw iotError('ResourceNotFoundException', `Policy ${policyName} not found`);
  return policy;
}

export function requireCertificate(ctx: RegistryContext, certificateId: string): CertificateRecord {
  const cert = ctx.registry.getCertificate(certificateId);
  if (!cert) throw iotError('ResourceNotFoundException', `Certificate ${certificateId} not found`);
  return cert;
}

export function requireCaCertificate(ctx: RegistryContext, certificateId: string): CaCertificateRecord {
  const ca = ctx.registry.getCaCertificate(certificateId);
  if (!ca) throw iotError('ResourceNotFoundException', `CA certificate ${certificateId} not found`);
  return ca;
}
