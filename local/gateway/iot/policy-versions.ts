import { z } from 'zod';
import type { GatewayRequest } from '../../ports';
import type { IotContext, IotOperation, PathParams } from './context';
import { policyNameLabel, policyVersionLabel } from './path-labels';
import { validatePolicyDocument } from './policies';
import { boolQuery, jsonBody } from './request-input';
import { epochSeconds, ok } from './responses';

const createVersionBody = z.object({ policyDocument: z.string() });

async function createPolicyVersion(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const name = policyNameLabel(params);
  const body = jsonBody(req, createVersionBody);
  const setAsDefault = boolQuery(req, 'setAsDefault') ?? false;
  // A missing policy answers ResourceNotFoundException before a malformed document.
  ctx.registry.policyVersions.versions(name);
  validatePolicyDocument(body.policyDocument);
  const p = await ctx.registry.policyVersions.createVersion(name, body.policyDocument, setAsDefault);
  const v = p.versions?.[p.versions.length - 1];
  return ok({
    policyArn: p.policyArn,
    policyDocument: v?.policyDocument,
    policyVersionId: v?.versionId,
    isDefaultVersion: v?.versionId === p.defaultVersionId,
  });
}

/** ListPolicyVersions: newest first. */
async function listPolicyVersions(ctx: IotContext, params: PathParams) {
  const name = policyNameLabel(params);
  const def = ctx.registry.getPolicy(name)?.defaultVersionId;
  const versions = [...ctx.registry.policyVersions.versions(name)].reverse();
  return ok({
    policyVersions: versions.map((v) => ({
      versionId: v.versionId,
      isDefaultVersion: v.versionId === def,
      createDate: epochSeconds(v.createDate),
    })),
  });
}

async function getPolicyVersion(ctx: IotContext, params: PathParams) {
  const name = policyNameLabel(params);
  const v = ctx.registry.policyVersions.version(name, policyVersionLabel(params));
  const p = ctx.registry.getPolicy(name)!;
  return ok({
    policyArn: p.policyArn,
    policyName: p.policyName,
    policyDocument: v.policyDocument,
    policyVersionId: v.versionId,
    isDefaultVersion: v.versionId === p.defaultVersionId,
    creationDate: epochSeconds(v.createDate),
    lastModifiedDate: epochSeconds(v.createDate),
    generationId: p.generationId,
  });
}

async function setDefaultPolicyVersion(ctx: IotContext, params: PathParams) {
  await ctx.registry.policyVersions.setDefault(policyNameLabel(params), policyVersionLabel(params));
  return ok();
}

async function deletePolicyVersion(ctx: IotContext, params: PathParams) {
  await ctx.registry.policyVersions.deleteVersion(policyNameLabel(params), policyVersionLabel(params));
  return ok();
}

const VERSION = '/policies/{policyName}/version/{policyVersionId}';

/** Policy version operations (at most five versions a policy; the store enforces it). */
export const policyVersionOperations: readonly IotOperation[] = [
  { method: 'POST', path: '/policies/{policyName}/version', operation: 'CreatePolicyVersion', handle: createPolicyVersion },
  { method: 'GET', path: '/policies/{policyName}/version', operation: 'ListPolicyVersions', handle: listPolicyVersions },
  { method: 'GET', path: VERSION, operation: 'GetPolicyVersion', handle: getPolicyVersion },
  { method: 'PATCH', path: VERSION, operation: 'SetDefaultPolicyVersion', handle: setDefaultPolicyVersion },
  { method: 'DELETE', path: VERSION, operation: 'DeletePolicyVersion', handle: deletePolicyVersion },
];
