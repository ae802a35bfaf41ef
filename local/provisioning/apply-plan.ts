/**
 * Applies a resolved provisioning plan (template.ts) to the registry for a certificate that
 * is already registered, as JITP's RegisterThing does: thing (created, or changed as its
 * OverrideSettings say), policies (created from an inline document when missing) attached to
 * the certificate, the certificate attached to the thing, and last the certificate's status,
 * so a device can connect only once everything it needs is in place.
 * https://docs.aws.amazon.com/iot/latest/developerguide/provision-template.html
 *
 * Every step is idempotent, so applying the same plan again after a crash (or on the
 * device's next connect) converges on the same state.
 */
import type { Logger } from '../../common/logger';
import { isPulsepetError } from '../../protocol/errors';
import { parsePolicyDocument } from '../policy/index';
import { iotError } from '../registry/errors';
import type { Registry } from '../registry/registry';
import type { CertificateRecord, ThingRecord } from '../registry/types';
import type { ProvisioningPlan, ThingPlan } from './template';

/** What applying a plan left in the registry. */
export interface AppliedPlan {
  thingName?: string;
  createdThing: boolean;
  policies: string[];
  certificateStatus: CertificateRecord['status'];
}

/** Checks what can be checked before anything changes: the certificate named, the inline policy documents. */
function preflight(plan: ProvisioningPlan, cert: CertificateRecord): void {
  const named = plan.certificate;
  if (named?.certificateId !== undefined && named.certificateId !== cert.certificateId) {
    throw iotError('InvalidRequestException', `the template names certificate ${named.certificateId}, not the one provisioned (${cert.certificateId})`);
  }
  for (const p of plan.policies) {
    if (p.policyDocument === undefined) continue;
    try {
      parsePolicyDocument(p.policyDocument);
    } catch (e) {
      if (isPulsepetError(e, 'PP_ERR_VALIDATION')) {
        throw iotError('MalformedPolicyException', `policy ${p.policyName}: ${e.message}`, { cause: e });
      }
      throw e;
    }
  }
}

/** The thing as the plan wants it: created, or updated per its OverrideSettings (no setting: left as it is). */
async function applyThing(registry: Registry, t: ThingPlan, log: Logger): Promise<{ thing: ThingRecord; created: boolean }> {
  if (t.thingGroups.length > 0) log.debug({ thing: t.thingName, thingGroups: t.thingGroups }, 'thing groups are not modelled locally; ignored');
  const existing = registry.getThing(t.thingName);
  if (!existing) {
    return registry.createThing({
      thingName: t.thingName,
      attributes: t.attributes,
      ...(t.thingTypeName !== undefined ? { thingTypeName: t.thingTypeName } : {}),
    });
  }
  const o = t.overrideSettings;
  const sameAttributes = JSON.stringify(sorted(existing.attributes)) === JSON.stringify(sorted(t.attributes));
  const sameType = existing.thingTypeName === t.thingTypeName;
  // FAIL refuses a thing whose value differs from the template's (an identical retry still passes).
  if ((o.AttributePayload === 'FAIL' && !sameAttributes) || (o.ThingTypeName === 'FAIL' && !sameType)) {
    throw iotError('ResourceAlreadyExistsException', `Thing ${t.thingName} already exists with a different configuration`);
  }
  const merge = o.AttributePayload === 'MERGE';
  const attributes = (merge || o.AttributePayload === 'REPLACE') && !sameAttributes ? { attributes: t.attributes, merge } : {};
  const replaceType = o.ThingTypeName === 'REPLACE' && !sameType;
  const type = replaceType ? (t.thingTypeName !== undefined ? { thingTypeName: t.thingTypeName } : { removeThingType: true }) : {};
  if (Object.keys(attributes).length === 0 && Object.keys(type).length === 0) return { thing: existing, created: false };
  return { thing: await registry.updateThing(t.thingName, { ...attributes, ...type }), created: false };
}

/** Each policy exists (created from its inline document when missing) and is attached to the certificate. */
async function applyPolicies(registry: Registry, plan: ProvisioningPlan, certificateArn: string): Promise<string[]> {
  const names: string[] = [];
  for (const p of plan.policies) {
    if (!registry.getPolicy(p.policyName)) {
      if (p.policyDocument === undefined) throw iotError('ResourceNotFoundException', `Policy ${p.policyName} not found`);
      await registry.createPolicy(p.policyName, p.policyDocument).catch((e: unknown) => {
        // created meanwhile by a concurrent provisioning with the same document: fine
        if (!registry.getPolicy(p.policyName)) throw e;
      });
    }
    await registry.attachPolicy(p.policyName, certificateArn);
    names.push(p.policyName);
  }
  return names;
}

/**
 * Applies `plan` for the registered certificate `certificateId`. Throws an IoT-typed error
 * (the certificate keeps its status) when the plan cannot be applied.
 */
export async function applyProvisioningPlan(
  registry: Registry,
  plan: ProvisioningPlan,
  certificateId: string,
  log: Logger,
): Promise<AppliedPlan> {
  const cert = registry.getCertificate(certificateId);
  if (!cert) throw iotError('ResourceNotFoundException', `Certificate ${certificateId} not found`);
  preflight(plan, cert);
  const thing = plan.thing ? await applyThing(registry, plan.thing, log) : undefined;
  const policies = await applyPolicies(registry, plan, cert.certificateArn);
  if (thing) await registry.attachThingPrincipal(thing.thing.thingName, cert.certificateArn);
  // Only a certificate still waiting for provisioning gets the template's status: one an
  // operator has since deactivated or revoked keeps its status.
  let status = registry.getCertificate(certificateId)?.status ?? cert.status;
  const wanted = plan.certificate?.status;
  if (wanted !== undefined && status === 'PENDING_ACTIVATION') {
    status = (await registry.updateCertificateStatus(certificateId, wanted)).status;
  }
  const out: AppliedPlan = { createdThing: thing?.created ?? false, policies, certificateStatus: status };
  if (thing) out.thingName = thing.thing.thingName;
  return out;
}

function sorted(r: Record<string, string>): Array<[string, string]> {
  return Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
