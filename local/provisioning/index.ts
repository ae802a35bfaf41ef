/** Provisioning templates and fleet provisioning (by claim): the engine, the plan's application, the MQTT API. */
export { type AppliedProvisioning, applyProvisioningPlan } from './apply-plan';
export { type FleetProvisioningHandle, type FleetProvisioningOptions, startFleetProvisioning } from './fleet-provisioning-service';
export { type FunctionInvoker, HOOK_TIMEOUT_MS, LAMBDA_FUNCTION_ARN_RE, type PreProvisioningHookEvent } from './hook';
export { type PayloadFormat, ProvisioningRejection, type RejectedPayload } from './mqtt-api';
export { DEFAULT_TOKEN_TTL_MS } from './ownership-tokens';
export { type RegisterThingRequest, type RegisterThingResponse, registerThing } from './register-thing';
export {
  type CertificatePlan,
  MAX_TEMPLATE_BODY_CHARS,
  type PolicyPlan,
  type ProvisioningPlan,
  type ProvisioningTemplate,
  PSEUDO_PARAMETERS,
  parseProvisioningTemplate,
  resolveProvisioningTemplate,
  TemplateEvaluationError,
  TemplateValidationError,
  type TemplateType,
  type ThingPlan,
} from './template';
