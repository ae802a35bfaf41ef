import { iotError } from '../../registry/errors';
import { CERTIFICATE_ID_RE, POLICY_NAME_RE, THING_NAME_RE } from '../../registry/registry';
import type { PathParams } from './context';

/** Thing type names: IoT API reference, CreateThingType `thingTypeName` pattern. */
const THING_TYPE_NAME_RE = /^[a-zA-Z0-9:_-]{1,128}$/;

/** A path label that must match `pattern`; `message` words the InvalidRequestException. */
function label(params: PathParams, name: string, pattern: RegExp, message: (got: string) => string): string {
  const value = params[name] ?? '';
  if (!pattern.test(value)) throw iotError('InvalidRequestException', message(value));
  return value;
}

/** `{thingName}`: `[a-zA-Z0-9:_-]{1,128}`. */
export function thingNameLabel(params: PathParams): string {
  return label(params, 'thingName', THING_NAME_RE, (n) => `thingName must match [a-zA-Z0-9:_-]{1,128}, got '${n}'`);
}

/** `{policyName}`: `[\w+=,.@-]{1,128}`. */
export function policyNameLabel(params: PathParams): string {
  return label(params, 'policyName', POLICY_NAME_RE, (n) => `policyName must match [\\w+=,.@-]{1,128}, got '${n}'`);
}

/** `{thingTypeName}`: `[a-zA-Z0-9:_-]{1,128}`. */
export function thingTypeNameLabel(params: PathParams): string {
  return label(params, 'thingTypeName', THING_TYPE_NAME_RE, (n) => `invalid thingTypeName '${n}'`);
}

/** `{certificateId}` (device or CA): 64 lowercase hex characters. */
export function certificateIdLabel(params: PathParams): string {
  return label(params, 'certificateId', CERTIFICATE_ID_RE, (id) => `invalid certificateId '${id}'`);
}

/** `{policyVersionId}`: not checked here; the policy store answers an unknown one with ResourceNotFoundException. */
export function policyVersionLabel(params: PathParams): string {
  return params.policyVersionId ?? '';
}
