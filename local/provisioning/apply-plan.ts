/**
 * Applying a resolved provisioning template to the registry: what RegisterThing (fleet
 * provisioning) and JITP do once the template is resolved. Everything is checked
 * before anything changes, and the certificate is activated last, so a failure (or a
 * crash) part-way never leaves an ACTIVE certificate without its thing and policies.
 * https://docs.aws.amazon.com/iot/latest/developerguide/provision-template.html
 */
import { certificateIdFromPem } from '../../certs/index';
import { isPulsepetError } from '../../protocol/errors';
import { parsePolicyDocument } from '../policy/index';
import { iotError } from '../registry/errors';
import { POLICY_NAME_RE, type Registry, THING_NAME_RE, type ThingUpdate } from '../registry/registry';
import type { CertificateRecord, ThingRecord } from '../registry/types';
import type { OverrideAction, PolicyPlan, ProvisioningPlan, ThingPlan } from './template';

/** What applying a plan did. */
export interface AppliedProvisioning {
  thingName?: string;
  thingArn?: string;
  certificateId: string;
  certificateArn: string;
  /** the policies now attached to the certificate by this plan */
  policyNames: string[];
  /** the certificate's status afterwards */
  status: CertificateRecord['status'];
}

function requireCertificate(registry: Registry, plan: ProvisioningPlan, certificateId: string): CertificateRecord {
  const cert = registry.getCertificate(certificateId);
  if (!cert) throw iotError('ResourceNotFoundException', `Certificate ${certificateId} not found`);
  const c = plan.certificate;
  if (!c) throw iotError('InvalidRequestException', 'The template declares no AWS::IoT::Certificate');
  if (c.certificateSigningRequest !== undefined) {
    throw iotError('InvalidRequestException', `Resources.${c.logicalId}: a CSR certificate is for bulk registration, not this request`);
  }
  const named = c.certificateId ?? (c.certificatePem !== undefined ? certificateIdFromPem(c.certificatePem) : undefined);
  if (named !== certificateId) {
    throw iotError('InvalidRequestException', `Resources.${c.logicalId}: the template names certificate ${named}, not the one being provisioned`);
  }
  return cert;
}

function checkThing(registry: Registry, t: ThingPlan): ThingRecord | undefined {
  if (!THING_NAME_RE.test(t.thingName)) {
    throw iotError('InvalidRequestException', `Resources.${t.logicalId}: thing name '${t.thingName}' must match [a-zA-Z0-9:_-]{1,128}`);
  }
  const group = t.thingGroups[0];
  if (group !== undefined) throw iotError('ResourceNotFoundException', `Thing group ${group} does not exist (the local IoT Core has no thing groups)`);
  if (t.thingTypeName !== undefined && !registry.thingTypes.getType(t.thingTypeName)) {
    throw iotError('ResourceNotFoundException', `Thing type ${t.thingTypeName} is not found`);
  }
  const existing = registry.getThing(t.thingName);
  if (existing) {
    for (const [prop, action] of Object.entries(t.overrideSettings)) {
      if (action === 'FAIL') throw iotError('ResourceAlreadyExistsException', `Thing ${t.thingName} already exists (OverrideSettings.${prop} is FAIL)`);
    }
  }
  return existing;
}

function checkPolicy(registry: Registry, p: PolicyPlan): void {
  if (!POLICY_NAME_RE.test(p.policyName)) throw iotError('InvalidRequestException', `Resources.${p.logicalId}: invalid policy name '${p.policyName}'`);
  if (registry.getPolicy(p.policyName)) return;
  if (p.policyDocument === undefined) throw iotError('ResourceNotFoundException', `Policy ${p.policyName} not found`);
  try {
    parsePolicyDocument(p.policyDocument);
  } catch (e) {
    if (isPulsepetError(e, 'PP_ERR_VALIDATION')) throw iotError('MalformedPolicyException', `Resources.${p.logicalId}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** The UpdateThing an existing thing gets under the template's OverrideSettings (default: DO_NOTHING). */
function thingUpdate(existing: ThingRecord, t: ThingPlan): ThingUpdate | undefined {
  const u: ThingUpdate = {};
  const attrs: OverrideAction = t.overrideSettings.AttributePayload ?? 'DO_NOTHING';
  if (attrs === 'REPLACE') u.attributes = t.attributes;
  if (attrs === 'MERGE' && Object.keys(t.attributes).length > 0) {
    u.attributes = t.attributes;
    u.merge = true;
  }
  if ((t.overrideSettings.ThingTypeName ?? 'DO_NOTHING') === 'REPLACE' && t.thingTypeName !== existing.thingTypeName) {
    if (t.thingTypeName === undefined) u.removeThingType = true;
    else u.thingTypeName = t.thingTypeName;
  }
  return Object.keys(u).length > 0 ? u : undefined;
}

async function applyThing(registry: Registry, t: ThingPlan, existing: ThingRecord | undefined): Promise<ThingRecord> {
  if (!existing) {
    const created = await registry.createThing({
      thingName: t.thingName,
      attributes: t.attributes,
      ...(t.thingTypeName !== undefined ? { thingTypeName: t.thingTypeName } : {}),
    });
    return created.thing;
  }
  const u = thingUpdate(existing, t);
  return u ? registry.updateThing(t.thingName, u) : existing;
}

/**
 * Applies `plan` to the registry for the certificate `certificateId` (the one the
 * device proved it owns): checks everything (certificate named by the template,
 * thing name and type, policies existing or given as valid documents, FAIL
 * overrides), then creates or updates the thing, creates missing inline policies,
 * attaches the policies and the thing to the certificate, and sets the certificate's
 * status last (from PENDING_ACTIVATION; an already active certificate keeps its
 * status unless the template's Status override is REPLACE). Throws the IoT error
 * (`iotError`) of the first problem; every step is idempotent, so a retry converges.
 *
 * @example
 * const plan = resolveProvisioningTemplate(template, { ...parameters, 'AWS::IoT::Certificate::Id': certId });
 * const applied = await applyProvisioningPlan(registry, plan, { certificateId: certId });
 */
export async function applyProvisioningPlan(registry: Registry, plan: ProvisioningPlan, target: { certificateId: string }): Promise<AppliedProvisioning> {
  const cert = requireCertificate(registry, plan, target.certificateId);
  const existingThing = plan.thing ? checkThing(registry, plan.thing) : undefined;
  for (const p of plan.policies) checkPolicy(registry, p);

  const thing = plan.thing ? await applyThing(registry, plan.thing, existingThing) : undefined;
  for (const p of plan.policies) {
    if (!registry.getPolicy(p.policyName) && p.policyDocument !== undefined) await registry.createPolicy(p.policyName, p.policyDocument);
    await registry.attachPolicy(p.policyName, cert.certificateArn);
  }
  if (thing) await registry.attachThingPrincipal(thing.thingName, cert.certificateArn);
  const wanted = plan.certificate!.status;
  const replace = plan.certificate!.statusOverride === 'REPLACE';
  let status = cert.status;
  if ((cert.status === 'PENDING_ACTIVATION' || replace) && cert.status !== wanted) {
    status = (await registry.updateCertificateStatus(cert.certificateId, wanted)).status;
  }
  return {
    ...(thing ? { thingName: thing.thingName, thingArn: thing.thingArn } : {}),
    certificateId: cert.certificateId,
    certificateArn: cert.certificateArn,
    policyNames: plan.policies.map((p) => p.policyName),
    status,
  };
}
