/**
 * AWS IoT provisioning templates: parse and validate a template body, then resolve
 * it against a parameter dictionary into a {@link ProvisioningPlan} (what to create,
 * attach and activate). Pure: no I/O; the caller applies the plan.
 * https://docs.aws.amazon.com/iot/latest/developerguide/provision-template.html
 *
 * @example
 * const template = parseProvisioningTemplate(body, { templateType: 'FLEET_PROVISIONING' }); // throws TemplateValidationError
 * const plan = resolveProvisioningTemplate(template, { SerialNumber: 'A1', 'AWS::IoT::Certificate::Id': certId });
 * plan.thing?.thingName; plan.certificate.status; plan.policies; plan.deviceConfiguration;
 */
import { PulsepetError } from '../../protocol/errors';
import {
  type CheckScope,
  checkCondition,
  checkValue,
  type EvalScope,
  evaluate,
  evaluateCondition,
  isObject,
  type JsonObject,
  type JsonValue,
  TemplateEvaluationError,
} from './template-intrinsics';
import {
  attributesProperty,
  checkProperties,
  checkResource,
  listProperty,
  type OverrideAction,
  policyProperties,
  stringProperty,
  type TemplateResource,
  type TemplateType,
} from './template-resources';

export type { JsonObject, JsonValue } from './template-intrinsics';
export { PSEUDO_PARAMETERS, TemplateEvaluationError } from './template-intrinsics';
export type { OverrideAction, ResourceType, TemplateResource, TemplateType } from './template-resources';

/** CreateProvisioningTemplate's `templateBody` limit (API reference: 10240 characters). */
export const MAX_TEMPLATE_BODY_CHARS = 10_240;
const SECTIONS = ['Parameters', 'Resources', 'Mappings', 'Conditions', 'DeviceConfiguration', 'AWSTemplateFormatVersion', 'Description'];

export interface TemplateParameter {
  type: 'String';
  default?: string;
}

/** A validated template: its sections, unevaluated. */
export interface ProvisioningTemplate {
  templateType: TemplateType;
  parameters: Record<string, TemplateParameter>;
  mappings: Record<string, JsonValue>;
  conditions: Record<string, JsonValue>;
  resources: TemplateResource[];
  deviceConfiguration?: JsonObject;
}

export interface ThingPlan {
  logicalId: string;
  thingName: string;
  attributes: Record<string, string>;
  thingTypeName?: string;
  thingGroups: string[];
  /** accepted for parity; the local registry has no billing groups */
  billingGroup?: string;
  overrideSettings: { AttributePayload?: OverrideAction; ThingTypeName?: OverrideAction; ThingGroups?: OverrideAction };
}

/** How the template names the certificate: exactly one of the id, the PEM (JITP) or a CSR (bulk). */
export interface CertificatePlan {
  logicalId: string;
  certificateId?: string;
  certificatePem?: string;
  caCertificatePem?: string;
  certificateSigningRequest?: string;
  /** ACTIVE unless the template says INACTIVE (case-insensitive, as AWS's own examples write "Active") */
  status: 'ACTIVE' | 'INACTIVE';
  statusOverride?: OverrideAction;
}

export interface PolicyPlan {
  logicalId: string;
  policyName: string;
  /** set when the template carries the document (create the policy if missing) */
  policyDocument?: string;
}

/** What applying the template must do, with every value resolved. */
export interface ProvisioningPlan {
  thing?: ThingPlan;
  certificate?: CertificatePlan;
  policies: PolicyPlan[];
  /** the template's DeviceConfiguration, returned to the device by RegisterThing */
  deviceConfiguration: Record<string, string>;
  /** the effective parameters (given values, then Defaults) */
  parameters: Record<string, string>;
}

/**
 * A template that does not validate (→ InvalidRequestException). `problems` lists
 * every problem found, each as `Section.path: what is wrong`.
 */
export class TemplateValidationError extends PulsepetError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('PP_ERR_VALIDATION', `Invalid provisioning template: ${problems.join('; ')}`, {
      details: { awsErrorType: 'InvalidRequestException', problems },
    });
    this.name = 'TemplateValidationError';
    this.problems = problems;
  }
}

function parseBody(body: string): JsonObject {
  if (body.length > MAX_TEMPLATE_BODY_CHARS) {
    throw new TemplateValidationError([`templateBody: ${body.length} characters, more than the ${MAX_TEMPLATE_BODY_CHARS} allowed`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    throw new TemplateValidationError([`templateBody: not valid JSON (${(e as Error).message})`]);
  }
  if (!isObject(parsed)) throw new TemplateValidationError(['templateBody: must be a JSON object']);
  return parsed;
}

function checkParameters(raw: JsonValue | undefined, problems: string[]): Record<string, TemplateParameter> {
  const out: Record<string, TemplateParameter> = {};
  if (raw === undefined) return out;
  if (!isObject(raw)) {
    problems.push('Parameters: must be an object of parameter declarations');
    return out;
  }
  for (const [name, decl] of Object.entries(raw)) {
    const path = `Parameters.${name}`;
    if (!isObject(decl)) {
      problems.push(`${path}: must be an object with Type (and optionally Default)`);
      continue;
    }
    for (const k of Object.keys(decl)) {
      if (!['Type', 'Default', 'Description'].includes(k)) problems.push(`${path}.${k}: unknown key (allowed: Type, Default, Description)`);
    }
    if (decl.Type !== 'String') problems.push(`${path}.Type: ${JSON.stringify(decl.Type ?? null)} is not a parameter type (allowed: String)`);
    if (decl.Default !== undefined && typeof decl.Default !== 'string') problems.push(`${path}.Default: must be a string`);
    out[name] = typeof decl.Default === 'string' ? { type: 'String', default: decl.Default } : { type: 'String' };
  }
  return out;
}

function checkMappings(raw: JsonValue | undefined, problems: string[]): Record<string, JsonValue> {
  if (raw === undefined) return {};
  if (!isObject(raw)) {
    problems.push('Mappings: must be an object of two-level maps');
    return {};
  }
  for (const [name, map] of Object.entries(raw)) {
    if (!isObject(map) || !Object.values(map).every(isObject)) problems.push(`Mappings.${name}: must map keys to objects of named values`);
  }
  return raw;
}

function conditionRefs(v: JsonValue, out: string[]): string[] {
  if (Array.isArray(v)) for (const x of v) conditionRefs(x, out);
  else if (isObject(v)) {
    if (typeof v.Condition === 'string' && Object.keys(v).length === 1) out.push(v.Condition);
    else for (const x of Object.values(v)) conditionRefs(x, out);
  }
  return out;
}

function checkConditionCycles(conditions: Record<string, JsonValue>, problems: string[]): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      problems.push(`Conditions.${name}: refers to itself (${[...chain, name].join(' → ')})`);
      return;
    }
    state.set(name, 'visiting');
    for (const next of conditionRefs(conditions[name] ?? null, [])) if (next in conditions) visit(next, [...chain, name]);
    state.set(name, 'done');
  };
  for (const name of Object.keys(conditions)) visit(name, []);
}

function checkResources(raw: JsonValue | undefined, scope: CheckScope, templateType: TemplateType, problems: string[]): TemplateResource[] {
  if (!isObject(raw) || Object.keys(raw).length === 0) {
    problems.push('Resources: required, an object declaring the thing, certificate and policies');
    return [];
  }
  const resources: TemplateResource[] = [];
  for (const [id, r] of Object.entries(raw)) {
    const resource = checkResource(id, r, scope, problems);
    if (!resource) continue;
    checkProperties(resource, templateType, problems);
    resources.push(resource);
  }
  const count = (t: string) => resources.filter((r) => r.type === t).length;
  if (count('AWS::IoT::Thing') > 1) problems.push('Resources: at most one AWS::IoT::Thing');
  if (count('AWS::IoT::Certificate') !== 1) problems.push(`Resources: exactly one AWS::IoT::Certificate (found ${count('AWS::IoT::Certificate')})`);
  return resources;
}

/**
 * Parses and validates a template body. Throws {@link TemplateValidationError}
 * naming every problem (section, resource, property, what is wrong).
 */
export function parseProvisioningTemplate(body: string, opts: { templateType?: TemplateType } = {}): ProvisioningTemplate {
  const templateType = opts.templateType ?? 'FLEET_PROVISIONING';
  const doc = parseBody(body);
  const problems: string[] = [];
  for (const k of Object.keys(doc)) if (!SECTIONS.includes(k)) problems.push(`${k}: unknown section (allowed: ${SECTIONS.join(', ')})`);
  const parameters = checkParameters(doc.Parameters, problems);
  const mappings = checkMappings(doc.Mappings, problems);
  const conditions: Record<string, JsonValue> = {};
  if (doc.Conditions !== undefined && !isObject(doc.Conditions)) problems.push('Conditions: must be an object of named conditions');
  else Object.assign(conditions, doc.Conditions ?? {});
  const scope: CheckScope = { parameters: new Set(Object.keys(parameters)), mappings, conditions: new Set(Object.keys(conditions)) };
  for (const [name, c] of Object.entries(conditions)) checkCondition(c, `Conditions.${name}`, scope, problems);
  checkConditionCycles(conditions, problems);
  const resources = checkResources(doc.Resources, scope, templateType, problems);
  const dc = doc.DeviceConfiguration;
  if (dc !== undefined && !isObject(dc)) problems.push('DeviceConfiguration: must be an object');
  else if (dc !== undefined) checkValue(dc, 'DeviceConfiguration', scope, problems);
  if (problems.length > 0) throw new TemplateValidationError(problems);
  const template: ProvisioningTemplate = { templateType, parameters, mappings, conditions, resources };
  if (isObject(dc)) template.deviceConfiguration = dc;
  return template;
}

function effectiveParameters(template: ProvisioningTemplate, given: Readonly<Record<string, string>>): Map<string, string> {
  const values = new Map(Object.entries(given));
  for (const [name, decl] of Object.entries(template.parameters)) {
    if (values.has(name)) continue;
    if (decl.default === undefined) throw new TemplateEvaluationError(`Parameters.${name}`, 'no value was given and it has no Default');
    values.set(name, decl.default);
  }
  return values;
}

function evalScope(template: ProvisioningTemplate, values: Map<string, string>): EvalScope {
  const memo = new Map<string, boolean>();
  const scope: EvalScope = {
    values,
    mappings: template.mappings,
    condition: (name, path) => {
      const known = memo.get(name);
      if (known !== undefined) return known;
      const c = template.conditions[name];
      if (c === undefined) throw new TemplateEvaluationError(path, `condition '${name}' is not declared`);
      const v = evaluateCondition(c, `Conditions.${name}`, scope);
      memo.set(name, v);
      return v;
    },
  };
  return scope;
}

function thingPlan(r: TemplateResource, scope: EvalScope): ThingPlan {
  const thingName = stringProperty(r, 'ThingName', scope);
  if (thingName === undefined || thingName === '') {
    throw new TemplateEvaluationError(`Resources.${r.logicalId}.Properties.ThingName`, 'must evaluate to a thing name');
  }
  const plan: ThingPlan = {
    logicalId: r.logicalId,
    thingName,
    attributes: attributesProperty(r, scope),
    thingGroups: listProperty(r, 'ThingGroups', scope),
    overrideSettings: r.overrideSettings,
  };
  const thingTypeName = stringProperty(r, 'ThingTypeName', scope);
  if (thingTypeName !== undefined) plan.thingTypeName = thingTypeName;
  const billingGroup = stringProperty(r, 'BillingGroup', scope);
  if (billingGroup !== undefined) plan.billingGroup = billingGroup;
  return plan;
}

function certificatePlan(r: TemplateResource, scope: EvalScope): CertificatePlan {
  const status = (stringProperty(r, 'Status', scope) ?? 'ACTIVE').toUpperCase();
  if (status !== 'ACTIVE' && status !== 'INACTIVE') {
    throw new TemplateEvaluationError(`Resources.${r.logicalId}.Properties.Status`, `'${status}' is not ACTIVE or INACTIVE`);
  }
  const plan: CertificatePlan = { logicalId: r.logicalId, status };
  for (const k of ['CertificateId', 'CertificatePem', 'CACertificatePem', 'CertificateSigningRequest'] as const) {
    const v = stringProperty(r, k, scope);
    if (v === undefined) continue;
    if (k === 'CertificateId') plan.certificateId = v;
    else if (k === 'CertificatePem') plan.certificatePem = v;
    else if (k === 'CACertificatePem') plan.caCertificatePem = v;
    else plan.certificateSigningRequest = v;
  }
  if (r.overrideSettings.Status) plan.statusOverride = r.overrideSettings.Status;
  return plan;
}

function deviceConfiguration(template: ProvisioningTemplate, scope: EvalScope): Record<string, string> {
  const out: Record<string, string> = {};
  if (!template.deviceConfiguration) return out;
  const v = evaluate(template.deviceConfiguration, 'DeviceConfiguration', scope);
  if (!isObject(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string') out[k] = x;
    else if (typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
    else throw new TemplateEvaluationError(`DeviceConfiguration.${k}`, 'must evaluate to a string');
  }
  return out;
}

/**
 * Resolves a validated template against a parameter dictionary (the device's
 * parameters plus what AWS IoT fills in, e.g. `AWS::IoT::Certificate::Id`).
 * Throws {@link TemplateEvaluationError} (a declared parameter without value or
 * Default, a value of the wrong shape, Fn::Select out of range, …).
 */
export function resolveProvisioningTemplate(template: ProvisioningTemplate, parameters: Readonly<Record<string, string>>): ProvisioningPlan {
  const values = effectiveParameters(template, parameters);
  const scope = evalScope(template, values);
  const plan: ProvisioningPlan = { policies: [], deviceConfiguration: deviceConfiguration(template, scope), parameters: Object.fromEntries(values) };
  for (const r of template.resources) {
    if (r.condition !== undefined && !scope.condition(r.condition, `Resources.${r.logicalId}.Condition`)) continue;
    if (r.type === 'AWS::IoT::Thing') plan.thing = thingPlan(r, scope);
    else if (r.type === 'AWS::IoT::Certificate') plan.certificate = certificatePlan(r, scope);
    else plan.policies.push({ logicalId: r.logicalId, ...policyProperties(r, scope) });
  }
  return plan;
}
