import { z } from 'zod';
import { isPulsepetError } from '../../../protocol/errors';
import { parsePolicyDocument } from '../../policy/index';
import { iotError } from '../../registry/errors';
import { POLICY_NAME_RE } from '../../registry/registry';
import type { RestRoute } from '../rest-router';
import { boolQuery, epochSeconds, type IotContext, intQuery, jsonBody, ok, paginate } from './common';

const createBody = z.object({
  policyDocument: z.string(),
  tags: z.array(z.object({ Key: z.string(), Value: z.string().optional() })).optional(),
});
const targetBody = z.object({ target: z.string().min(1) });

function policyName(params: Record<string, string>): string {
  const name = params.policyName ?? '';
  if (!POLICY_NAME_RE.test(name)) {
    throw iotError('InvalidRequestException', `policyName must match [\\w+=,.@-]{1,128}, got '${name}'`);
  }
  return name;
}

/** The policy engine's parser decides what is malformed (→ MalformedPolicyException). */
function validateDocument(doc: string): void {
  try {
    parsePolicyDocument(doc);
  } catch (e) {
    if (isPulsepetError(e, 'PP_ERR_VALIDATION')) throw iotError('MalformedPolicyException', e.message, { cause: e });
    throw e;
  }
}

/** Targets are certificate ARNs locally; they must exist (AWS: ResourceNotFoundException otherwise). */
function requireTarget(ctx: IotContext, target: string): void {
  if (!/^arn:aws[a-z-]*:iot:[^:]*:[^:]*:cert\/[0-9a-f]{64}$/.test(target)) {
    throw iotError('InvalidRequestException', `target must be a certificate ARN, got '${target}'`);
  }
  if (!ctx.registry.certificateForPrincipal(target)) {
    throw iotError('ResourceNotFoundException', `The certificate given in the target does not exist: ${target}`);
  }
}

/** Policy operations, bound as restJson1 routes. */
export function policyRoutes(ctx: IotContext): RestRoute[] {
  const { registry } = ctx;
  const listBy = (names: string[], req: Parameters<RestRoute['handle']>[1]) => {
    const limit = intQuery(req, 'pageSize', 1, 250) ?? 25;
    const ordered = boolQuery(req, 'isAscendingOrder') === false ? [...names].reverse() : names;
    const { page, next } = paginate(ordered, (n) => n, req.query.get('marker'), limit);
    return ok({ policies: page.map((n) => ({ policyName: n, policyArn: registry.policyArn(n) })), nextMarker: next });
  };
  return [
    {
      method: 'POST',
      path: '/policies/{policyName}',
      operation: 'CreatePolicy',
      async handle(params, req) {
        const name = policyName(params);
        const body = jsonBody(req, createBody);
        if (registry.getPolicy(name)) {
          throw iotError('ResourceAlreadyExistsException', `Policy ${name} already exists`, {
            resourceId: name,
            resourceArn: registry.policyArn(name),
          });
        }
        validateDocument(body.policyDocument);
        const p = await registry.createPolicy(name, body.policyDocument);
        return ok({
          policyName: p.policyName,
          policyArn: p.policyArn,
          policyDocument: p.policyDocument,
          policyVersionId: p.defaultVersionId,
        });
      },
    },
    {
      method: 'GET',
      path: '/policies/{policyName}',
      operation: 'GetPolicy',
      async handle(params) {
        const name = policyName(params);
        const p = registry.getPolicy(name);
        if (!p) throw iotError('ResourceNotFoundException', `Policy ${name} not found`);
        return ok({
          policyName: p.policyName,
          policyArn: p.policyArn,
          policyDocument: p.policyDocument,
          defaultVersionId: p.defaultVersionId,
          creationDate: epochSeconds(p.creationDate),
          lastModifiedDate: epochSeconds(p.lastModifiedDate),
          generationId: p.generationId,
        });
      },
    },
    {
      method: 'GET',
      path: '/policies',
      operation: 'ListPolicies',
      async handle(_params, req) {
        return listBy(
          registry.listPolicies().map((p) => p.policyName),
          req,
        );
      },
    },
    {
      method: 'DELETE',
      path: '/policies/{policyName}',
      operation: 'DeletePolicy',
      async handle(params) {
        await registry.deletePolicy(policyName(params));
        return ok();
      },
    },
    {
      method: 'PUT',
      path: '/target-policies/{policyName}',
      operation: 'AttachPolicy',
      async handle(params, req) {
        const name = policyName(params);
        const { target } = jsonBody(req, targetBody);
        if (!registry.getPolicy(name)) throw iotError('ResourceNotFoundException', `Policy ${name} not found`);
        requireTarget(ctx, target);
        await registry.attachPolicy(name, target);
        return ok();
      },
    },
    {
      method: 'POST',
      path: '/target-policies/{policyName}',
      operation: 'DetachPolicy',
      async handle(params, req) {
        const name = policyName(params);
        const { target } = jsonBody(req, targetBody);
        await registry.detachPolicy(name, target);
        return ok();
      },
    },
    {
      method: 'POST',
      path: '/attached-policies/{target}',
      operation: 'ListAttachedPolicies',
      async handle(params, req) {
        const target = params.target ?? '';
        if (/:cert\//.test(target) && !registry.certificateForPrincipal(target)) {
          throw iotError('ResourceNotFoundException', `The target does not exist: ${target}`);
        }
        return listBy(
          registry.policiesForPrincipal(target).map((p) => p.policyName),
          req,
        );
      },
    },
    {
      method: 'POST',
      path: '/policies/{policyName}/version',
      operation: 'CreatePolicyVersion',
      async handle(params, req) {
        const name = policyName(params);
        const body = jsonBody(req, z.object({ policyDocument: z.string() }));
        const setAsDefault = boolQuery(req, 'setAsDefault') ?? false;
        registry.policyVersions.versions(name);
        validateDocument(body.policyDocument);
        const p = await registry.policyVersions.createVersion(name, body.policyDocument, setAsDefault);
        const v = p.versions?.[p.versions.length - 1];
        return ok({
          policyArn: p.policyArn,
          policyDocument: v?.policyDocument,
          policyVersionId: v?.versionId,
          isDefaultVersion: v?.versionId === p.defaultVersionId,
        });
      },
    },
    {
      method: 'GET',
      path: '/policies/{policyName}/version',
      operation: 'ListPolicyVersions',
      async handle(params) {
        const name = policyName(params);
        const def = registry.getPolicy(name)?.defaultVersionId;
        const versions = [...registry.policyVersions.versions(name)].reverse();
        return ok({
          policyVersions: versions.map((v) => ({
            versionId: v.versionId,
            isDefaultVersion: v.versionId === def,
            createDate: epochSeconds(v.createDate),
          })),
        });
      },
    },
    {
      method: 'GET',
      path: '/policies/{policyName}/version/{policyVersionId}',
      operation: 'GetPolicyVersion',
      async handle(params) {
        const name = policyName(params);
        const v = registry.policyVersions.version(name, params.policyVersionId ?? '');
        const p = registry.getPolicy(name)!;
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
      },
    },
    {
      method: 'PATCH',
      path: '/policies/{policyName}/version/{policyVersionId}',
      operation: 'SetDefaultPolicyVersion',
      async handle(params) {
        await registry.policyVersions.setDefault(policyName(params), params.policyVersionId ?? '');
        return ok();
      },
    },
    {
      method: 'DELETE',
      path: '/policies/{policyName}/version/{policyVersionId}',
      operation: 'DeletePolicyVersion',
      async handle(params) {
        await registry.policyVersions.deleteVersion(policyName(params), params.policyVersionId ?? '');
        return ok();
      },
    },
    {
      method: 'POST',
      path: '/policy-targets/{policyName}',
      operation: 'ListTargetsForPolicy',
      async handle(params, req) {
        const name = policyName(params);
        if (!registry.getPolicy(name)) throw iotError('ResourceNotFoundException', `Policy ${name} not found`);
        const limit = intQuery(req, 'pageSize', 1, 250) ?? 25;
        const { page, next } = paginate(registry.targetsForPolicy(name), (t) => t, req.query.get('marker'), limit);
        return ok({ targets: page, nextMarker: next });
      },
    },
  ];
}
