/**
 * RegisterThing of the fleet provisioning MQTT API, independent of the transport:
 * template → ownership token → pre-provisioning hook → template resolved against the
 * parameters → applied to the registry (thing, policies, certificate ACTIVE).
 * https://docs.aws.amazon.com/iot/latest/developerguide/fleet-provision-api.html#register-thing
 */
import type { Logger } from '../../common/logger';
import { isPulsepetError } from '../../protocol/errors';
import { IOT_ERROR_STATUS, iotErrorTypeOf } from '../registry/errors';
import type { ProvisioningTemplateRecord } from '../registry/provisioning-template-store';
import type { Registry } from '../registry/registry';
import { applyProvisioningPlan } from './apply-plan';
import { type FunctionInvoker, runPreProvisioningHook } from './hook';
import { ProvisioningRejection } from './mqtt-api';
import { type OwnershipToken, type OwnershipTokens, TOKEN_REFUSAL_MESSAGES } from './ownership-tokens';
import { parseProvisioningTemplate, resolveProvisioningTemplate, TemplateEvaluationError } from './template';

export interface RegisterThingDeps {
  registry: Registry;
  tokens: OwnershipTokens;
  /** runs pre-provisioning hooks; without it a template with a hook refuses every request */
  invoke?: FunctionInvoker;
  hookTimeoutMs?: number;
  logger: Logger;
}

export interface RegisterThingRequest {
  templateName: string;
  certificateOwnershipToken: string;
  parameters: Record<string, string>;
  /** the requesting connection */
  clientId: string;
  claimCertificateId: string;
}

/** The accepted payload, field for field. */
export interface RegisterThingResponse {
  deviceConfiguration: Record<string, string>;
  thingName?: string;
}

function usableTemplate(registry: Registry, name: string): ProvisioningTemplateRecord {
  const t = registry.provisioningTemplates.get(name);
  if (!t) throw new ProvisioningRejection(404, 'ResourceNotFound', `Provisioning template ${name} not found`);
  if (!t.enabled) throw new ProvisioningRejection(400, 'InvalidRequest', `Provisioning template ${name} is disabled`);
  if (t.type !== 'FLEET_PROVISIONING') throw new ProvisioningRejection(400, 'InvalidRequest', `Provisioning template ${name} is a ${t.type} template`);
  return t;
}

function takeToken(tokens: OwnershipTokens, req: RegisterThingRequest): OwnershipToken {
  const t = tokens.consume(req.certificateOwnershipToken, { clientId: req.clientId, claimCertificateId: req.claimCertificateId });
  if (typeof t === 'string') throw new ProvisioningRejection(400, 'InvalidCertificateOwnershipToken', TOKEN_REFUSAL_MESSAGES[t]);
  return t;
}

/** The device's parameters with the hook's overrides, when the template has a hook. */
async function hookedParameters(deps: RegisterThingDeps, t: ProvisioningTemplateRecord, req: RegisterThingRequest, token: OwnershipToken) {
  const hook = t.preProvisioningHook;
  if (!hook) return req.parameters;
  const cert = deps.registry.getCertificate(token.certificateId);
  const event = {
    claimCertificateId: req.claimCertificateId,
    certificateId: token.certificateId,
    certificatePem: cert?.certificatePem ?? '',
    templateArn: t.templateArn,
    clientId: req.clientId,
    parameters: req.parameters,
  };
  const outcome = await runPreProvisioningHook(deps.invoke, hook.targetArn, event, deps.hookTimeoutMs);
  if (!outcome.allowed) {
    deps.logger.info({ template: t.templateName, clientId: req.clientId, certificateId: token.certificateId, reason: outcome.reason }, 'pre-provisioning hook refused');
    throw new ProvisioningRejection(403, 'AccessDenied', `Provisioning refused: ${outcome.reason}`);
  }
  return { ...req.parameters, ...outcome.parameterOverrides };
}

/** A failure while resolving or applying the template, as a rejection the device can read. */
function asRejection(e: unknown): unknown {
  if (e instanceof ProvisioningRejection) return e;
  if (e instanceof TemplateEvaluationError) return new ProvisioningRejection(400, 'InvalidParameters', e.message);
  if (isPulsepetError(e)) {
    const type = iotErrorTypeOf(e);
    if (type !== 'InternalFailureException') return new ProvisioningRejection(IOT_ERROR_STATUS[type], type.replace(/Exception$/, ''), e.message);
  }
  return e;
}

/**
 * Runs one RegisterThing. Throws a {@link ProvisioningRejection} for every refusal
 * (unknown or disabled template, bad token, hook refusal, parameters the template
 * cannot be resolved with, a registry conflict); anything else is an internal failure.
 * The token is consumed as soon as it is accepted: a refused request needs a new
 * certificate, as on AWS.
 */
export async function registerThing(deps: RegisterThingDeps, req: RegisterThingRequest): Promise<RegisterThingResponse> {
  const t = usableTemplate(deps.registry, req.templateName);
  const token = takeToken(deps.tokens, req);
  try {
    const parameters = await hookedParameters(deps, t, req, token);
    const template = parseProvisioningTemplate(deps.registry.provisioningTemplates.defaultBody(t), { templateType: 'FLEET_PROVISIONING' });
    const plan = resolveProvisioningTemplate(template, { ...parameters, 'AWS::IoT::Certificate::Id': token.certificateId });
    const applied = await applyProvisioningPlan(deps.registry, plan, { certificateId: token.certificateId });
    deps.logger.info(
      { template: t.templateName, clientId: req.clientId, thing: applied.thingName, certificateId: applied.certificateId, status: applied.status },
      'device provisioned by claim',
    );
    return { deviceConfiguration: plan.deviceConfiguration, ...(applied.thingName !== undefined ? { thingName: applied.thingName } : {}) };
  } catch (e) {
    throw asRejection(e);
  }
}
