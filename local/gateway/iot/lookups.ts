import { iotError } from '../../registry/errors';
import type {
  CaCertificateRecord,
  CertificateRecord,
  PolicyRecord,
  ThingRecord,
  ThingTypeRecord,
} from '../../registry/types';
import type { IotContext } from './context';

/*
 * Registry reads that must find their resource: a missing one is the
 * ResourceNotFoundException the operation documents, worded as before.
 */

export function requireThing(ctx: IotContext, thingName: string): ThingRecord {
  const thing = ctx.registry.getThing(thingName);
  if (!thing) throw iotError('ResourceNotFoundException', `Thing ${thingName} cannot be found.`);
  return thing;
}

export function requireThingType(ctx: IotContext, thingTypeName: string): ThingTypeRecord {
  const type = ctx.registry.thingTypes.getType(thingTypeName);
  if (!type) throw iotError('ResourceNotFoundException', `Thing type ${thingTypeName} is not found`);
  return type;
}

export function requirePolicy(ctx: IotContext, policyName: string): PolicyRecord {
  const policy = ctx.registry.getPolicy(policyName);
  if (!policy) throw iotError('ResourceNotFoundException', `Policy ${policyName} not found`);
  return policy;
}

export function requireCertificate(ctx: IotContext, certificateId: string): CertificateRecord {
  const cert = ctx.registry.getCertificate(certificateId);
  if (!cert) throw iotError('ResourceNotFoundException', `Certificate ${certificateId} not found`);
  return cert;
}

export function requireCaCertificate(ctx: IotContext, certificateId: string): CaCertificateRecord {
  const ca = ctx.registry.getCaCertificate(certificateId);
  if (!ca) throw iotError('ResourceNotFoundException', `CA certificate ${certificateId} not found`);
  return ca;
}
