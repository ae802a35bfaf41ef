/**
 * The `Resources` section of a provisioning template: per-type property checks and
 * the resolution of one resource into its part of the plan.
 * https://docs.aws.amazon.com/iot/latest/developerguide/provision-template.html#resources-section
 */
import { createHash } from 'node:crypto';
import {
  type CheckScope,
  checkValue,
  type EvalScope,
  type Evaluated,
  evaluate,
  intrinsicName,
  isObject,
  type JsonObject,
  type JsonValue,
  NO_VALUE,
  TemplateEvaluationError,
} from './template-intrinsics';

export type ResourceType = 'AWS::IoT::Thing' | 'AWS::IoT::Certificate' | 'AWS::IoT::Policy';
export const RESOURCE_TYPES: readonly ResourceType[] = ['AWS::IoT::Thing', 'AWS::IoT::Certificate', 'AWS::IoT::Policy'];
export type TemplateType = 'FLEET_PROVISIONING' | 'JITP';
export type OverrideAction = 'DO_NOTHING' | 'REPLACE' | 'FAIL' | 'MERGE';

/** One validated resource of the template (properties still unevaluated). */
export interface TemplateResource {
  logicalId: string;
  type: ResourceType;
  properties: JsonObject;
  /** OverrideSettings by property name (AttributePayload, ThingTypeName, ThingGroups, Status). */
  overrideSettings: Record<string, OverrideAction>;
  /** a `Condition` attribute: the resource exists only when the condition is true */
  condition?: string;
}

const PROPERTIES: Record<ResourceType, readonly string[]> = {
  'AWS::IoT::Thing': ['ThingName', 'AttributePayload', 'ThingTypeName', 'ThingGroups', 'BillingGroup', 'PackageVersions'],
  'AWS::IoT::Certificate': ['CertificateId', 'CertificatePem', 'CACertificatePem', 'CertificateSigningRequest', 'Status'],
  'AWS::IoT::Policy': ['PolicyName', 'PolicyDocument'],
};
const OVERRIDABLE: Record<ResourceType, readonly string[]> = {
  'AWS::IoT::Thing': ['AttributePayload', 'ThingTypeName', 'ThingGroups'],
  'AWS::IoT::Certificate': ['Status'],
  'AWS::IoT::Policy': [],
};
const OVERRIDE_ACTIONS: readonly OverrideAction[] = ['DO_NOTHING', 'REPLACE', 'FAIL', 'MERGE'];

function isStringLike(v: JsonValue): boolean {
  return typeof v === 'string' || intrinsicName(v) !== undefined;
}

/** Checks one `Resources` entry; returns it normalized, or undefined with `problems` filled in. */
export function checkResource(
  logicalId: string,
  raw: JsonValue,
  scope: CheckScope,
  problems: string[],
): TemplateResource | undefined {
  const path = `Resources.${logicalId}`;
  if (!isObject(raw)) {
    problems.push(`${path}: a resource must be an object with Type and Properties`);
    return undefined;
  }
  for (const k of Object.keys(raw)) {
    if (!['Type', 'Properties', 'OverrideSettings', 'Condition'].includes(k)) {
      problems.push(`${path}: unknown key '${k}' (allowed: Type, Properties, OverrideSettings, Condition)`);
    }
  }
  const type = raw.Type;
  if (typeof type !== 'string' || !(RESOURCE_TYPES as readonly string[]).includes(type)) {
    problems.push(`${path}.Type: ${JSON.stringify(type ?? null)} is not a resource type (allowed: ${RESOURCE_TYPES.join(', ')})`);
    return undefined;
  }
  const rtype = type as ResourceType;
  const properties = raw.Properties ?? {};
  if (!isObject(properties)) {
    problems.push(`${path}.Properties: must be an object`);
    return undefined;
  }
  for (const k of Object.keys(properties)) {
    if (!PROPERTIES[rtype].includes(k)) {
      problems.push(`${path}.Properties.${k}: not a property of ${rtype} (allowed: ${PROPERTIES[rtype].join(', ')})`);
    }
  }
  for (const [k, v] of Object.entries(properties)) checkValue(v, `${path}.Properties.${k}`, scope, problems);
  const overrideSettings = checkOverrides(rtype, raw.OverrideSettings, path, problems);
  const resource: TemplateResource = { logicalId, type: rtype, properties, overrideSettings };
  if (raw.Condition !== undefined) {
    if (typeof raw.Condition !== 'string' || !scope.conditions.has(raw.Condition)) {
      problems.push(`${path}.Condition: ${JSON.stringify(raw.Condition)} is not declared in Conditions`);
    } else resource.condition = raw.Condition;
  }
  return resource;
}

function checkOverrides(type: ResourceType, raw: JsonValue | undefined, path: string, problems: string[]): Record<string, OverrideAction> {
  const out: Record<string, OverrideAction> = {};
  if (raw === undefined) return out;
  if (!isObject(raw)) {
    problems.push(`${path}.OverrideSettings: must be an object`);
    return out;
  }
  for (const [k, v] of Object.entries(raw)) {
    if (!OVERRIDABLE[type].includes(k)) {
      problems.push(`${path}.OverrideSettings.${k}: cannot be overridden on ${type} (allowed: ${OVERRIDABLE[type].join(', ') || 'none'})`);
    } else if (typeof v !== 'string' || !(OVERRIDE_ACTIONS as readonly string[]).includes(v)) {
      problems.push(`${path}.OverrideSettings.${k}: ${JSON.stringify(v)} is not one of ${OVERRIDE_ACTIONS.join(', ')}`);
    } else if (v === 'MERGE' && k !== 'AttributePayload' && k !== 'ThingGroups') {
      problems.push(`${path}.OverrideSettings.${k}: MERGE is valid only for AttributePayload and ThingGroups`);
    } else out[k] = v as OverrideAction;
  }
  return out;
}

/** Type-specific checks of literal property values (intrinsics are checked when evaluated). */
export function checkProperties(r: TemplateResource, templateType: TemplateType, problems: string[]): void {
  const path = `Resources.${r.logicalId}.Properties`;
  const p = r.properties;
  const stringProp = (k: string, required: boolean) => {
    if (p[k] === undefined) {
      if (required) problems.push(`${path}.${k}: required for ${r.type}`);
    } else if (!isStringLike(p[k]!)) problems.push(`${path}.${k}: must be a string`);
  };
  if (r.type === 'AWS::IoT::Thing') {
    stringProp('ThingName', true);
    for (const k of ['ThingTypeName', 'BillingGroup']) stringProp(k, false);
    const attrs = p.AttributePayload;
    if (attrs !== undefined && !isObject(attrs)) problems.push(`${path}.AttributePayload: must be an object of name-value pairs`);
    if (isObject(attrs) && intrinsicName(attrs) === undefined) {
      for (const [k, v] of Object.entries(attrs)) if (!isStringLike(v)) problems.push(`${path}.AttributePayload.${k}: must be a string`);
    }
    const groups = p.ThingGroups;
    if (groups !== undefined && !Array.isArray(groups) && intrinsicName(groups) === undefined) {
      problems.push(`${path}.ThingGroups: must be a list of thing group names`);
    }
    return;
  }
  if (r.type === 'AWS::IoT::Certificate') {
    checkCertificateProperties(p, path, templateType, problems);
    for (const k of Object.keys(p)) stringProp(k, false);
    const status = p.Status;
    if (typeof status === 'string' && !['ACTIVE', 'INACTIVE'].includes(status.toUpperCase())) {
      problems.push(`${path}.Status: '${status}' is not ACTIVE or INACTIVE`);
    }
    return;
  }
  const hasName = p.PolicyName !== undefined;
  const hasDoc = p.PolicyDocument !== undefined;
  if (hasName === hasDoc) problems.push(`${path}: a policy needs PolicyName or PolicyDocument, not both`);
  if (hasName) stringProp('PolicyName', true);
  if (typeof p.PolicyDocument === 'string') {
    try {
      if (!isObject(JSON.parse(p.PolicyDocument))) throw new Error('not an object');
    } catch {
      problems.push(`${path}.PolicyDocument: must be a JSON policy document (an object, or that object as a string)`);
    }
  } else if (hasDoc && !isObject(p.PolicyDocument)) problems.push(`${path}.PolicyDocument: must be a JSON policy document`);
}

function checkCertificateProperties(p: JsonObject, path: string, templateType: TemplateType, problems: string[]): void {
  const ways = ['CertificateId', 'CertificatePem', 'CertificateSigningRequest'].filter((k) => p[k] !== undefined);
  if (ways.length !== 1) {
    problems.push(`${path}: a certificate is given by exactly one of CertificateId, CertificatePem, CertificateSigningRequest (found ${ways.length === 0 ? 'none' : ways.join(', ')})`);
    return;
  }
  if (templateType === 'FLEET_PROVISIONING' && ways[0] !== 'CertificateId') {
    problems.push(`${path}.${ways[0]}: a fleet provisioning template names its certificate by CertificateId ({"Ref": "AWS::IoT::Certificate::Id"})`);
  }
  if (templateType === 'JITP' && ways[0] === 'CertificateSigningRequest') {
    problems.push(`${path}.CertificateSigningRequest: a JITP template names the device certificate by CertificateId or CertificatePem`);
  }
  if (p.CACertificatePem !== undefined && ways[0] !== 'CertificatePem') {
    problems.push(`${path}.CACertificatePem: only valid together with CertificatePem`);
  }
}

// ---- resolution ------------------------------------------------------------------

function stringOf(v: Evaluated, path: string): string {
  if (typeof v === 'string') return v;
  throw new TemplateEvaluationError(path, 'must evaluate to a string');
}

/** Evaluates a property; undefined when absent or `AWS::NoValue`. */
export function property(r: TemplateResource, name: string, scope: EvalScope): Evaluated | undefined {
  const raw = r.properties[name];
  if (raw === undefined) return undefined;
  const v = evaluate(raw, `Resources.${r.logicalId}.Properties.${name}`, scope);
  return v === NO_VALUE ? undefined : v;
}

export function stringProperty(r: TemplateResource, name: string, scope: EvalScope): string | undefined {
  const v = property(r, name, scope);
  return v === undefined ? undefined : stringOf(v, `Resources.${r.logicalId}.Properties.${name}`);
}

export function attributesProperty(r: TemplateResource, scope: EvalScope): Record<string, string> {
  const v = property(r, 'AttributePayload', scope);
  const path = `Resources.${r.logicalId}.Properties.AttributePayload`;
  if (v === undefined) return {};
  if (!isObject(v)) throw new TemplateEvaluationError(path, 'must evaluate to an object of name-value pairs');
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) out[k] = typeof x === 'number' || typeof x === 'boolean' ? String(x) : stringOf(x, `${path}.${k}`);
  return out;
}

export function listProperty(r: TemplateResource, name: string, scope: EvalScope): string[] {
  const v = property(r, name, scope);
  const path = `Resources.${r.logicalId}.Properties.${name}`;
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new TemplateEvaluationError(path, 'must evaluate to a list of strings');
  return v.map((x, i) => stringOf(x, `${path}[${i}]`));
}

/** The policy document as a string, and its name (AWS: defaults to a hash of the document). */
export function policyProperties(r: TemplateResource, scope: EvalScope): { policyName: string; policyDocument?: string } {
  const doc = property(r, 'PolicyDocument', scope);
  const name = stringProperty(r, 'PolicyName', scope);
  if (doc === undefined) {
    if (name === undefined) throw new TemplateEvaluationError(`Resources.${r.logicalId}.Properties`, 'needs PolicyName or PolicyDocument');
    return { policyName: name };
  }
  const policyDocument = typeof doc === 'string' ? doc : JSON.stringify(doc);
  return { policyName: name ?? createHash('sha256').update(policyDocument).digest('hex'), policyDocument };
}
