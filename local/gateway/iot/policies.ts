import { z } from 'zod';
import { isPulsepetError } from '../../../protocol/errors';
import { parsePolicyDocument } from '../../policy/index';
import type { GatewayRequest, GatewayResponse } from '../../ports';
import { iotError } from '../../registry/errors';
import type { IotContext, IotOperation, PathParams } from './context';
import { requirePolicy } from './lookups';
import { inRequestedOrder, MARKER_PAGING, pageBody, readPaging } from './pagination';
import { policyNameLabel } from './path-labels';
import { jsonBody, tagList } from './request-input';
import { epochSeconds, ok } from './responses';

const createBody = z.object({ policyDocument: z.string(), tags: tagList });

/** The policy engine's parser decides what is malformed (→ MalformedPolicyException). */
export function validatePolicyDocument(doc: string): void {
  try {
    parsePolicyDocument(doc);
  } catch (e) {
    if (isPulsepetError(e, 'PP_ERR_VALIDATION')) throw iotError('MalformedPolicyException', e.message, { cause: e });
    throw e;
  }
}

/**
 * One page of policy names as the `Policy` list shape (ListPolicies,
 * ListAttachedPolicies): by name, ascending unless `isAscendingOrder=false`.
 */
export function policyListPage(ctx: IotContext, names: string[], req: GatewayRequest): GatewayResponse {
  const paging = readPaging(req, MARKER_PAGING, 25);
  const ordered = inRequestedOrder(req, names, true);
  return ok(
    pageBody(paging, 'policies', ordered, (n) => n, (n) => ({ policyName: n, policyArn: ctx.registry.policyArn(n) })),
  );
}

async function createPolicy(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const name = policyNameLabel(params);
  const body = jsonBody(req, createBody);
  if (ctx.registry.getPolicy(name)) {
    throw iotError('ResourceAlreadyExistsException', `Policy ${name} already exists`, {
      resourceId: name,
      resourceArn: ctx.registry.policyArn(name),
    });
  }
  validatePolicyDocument(body.policyDocument);
  const p = await ctx.registry.createPolicy(name, body.policyDocument);
  return ok({
    policyName: p.policyName,
    policyArn: p.policyArn,
    policyDocument: p.policyDocument,
    policyVersionId: p.defaultVersionId,
  });
}

async function getPolicy(ctx: IotContext, params: PathParams) {
  const p = requirePolicy(ctx, policyNameLabel(params));
  return ok({
    policyName: p.policyName,
    policyArn: p.policyArn,
    policyDocument: p.policyDocument,
    defaultVersionId: p.defaultVersionId,
    creationDate: epochSeconds(p.creationDate),
    lastModifiedDate: epochSeconds(p.lastModifiedDate),
    generationId: p.generationId,
  });
}

async function listPolicies(ctx: IotContext, _params: PathParams, req: GatewayRequest) {
  return policyListPage(
    ctx,
    ctx.registry.listPolicies().map((p) => p.policyName),
    req,
  );
}

async function deletePolicy(ctx: IotContext, params: PathParams) {
  await ctx.registry.deletePolicy(policyNameLabel(params));
  return ok();
}

/** Policy operations (CreatePolicy … DeletePolicy); versions and attachments have their own modules. */
export const policyOperations: readonly IotOperation[] = [
  { method: 'POST', path: '/policies/{policyName}', operation: 'CreatePolicy', handle: createPolicy },
  { method: 'GET', path: '/policies/{policyName}', operation: 'GetPolicy', handle: getPolicy },
  { method: 'GET', path: '/policies', operation: 'ListPolicies', handle: listPolicies },
  { method: 'DELETE', path: '/policies/{policyName}', operation: 'DeletePolicy', handle: deletePolicy },
];
