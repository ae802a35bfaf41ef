import { z } from 'zod';
import type { GatewayRequest } from '../../ports';
import { iotError } from '../../registry/errors';
import type { IotContext, IotOperation, PathParams } from './context';
import { requirePolicy } from './lookups';
import { MARKER_PAGING, pageBody, readPaging } from './pagination';
import { policyNameLabel } from './path-labels';
import { policyListPage } from './policies';
import { isCertificateArn, requireCertificatePrincipal } from './principals';
import { jsonBody } from './request-input';
import { ok } from './responses';

const targetBody = z.object({ target: z.string().min(1) });

async function attachPolicy(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const name = policyNameLabel(params);
  const { target } = jsonBody(req, targetBody);
  requirePolicy(ctx, name);
  requireCertificatePrincipal(ctx, target, 'target');
  await ctx.registry.attachPolicy(name, target);
  return ok();
}

/** DetachPolicy: a target that is not attached (or does not exist) is not an error. */
async function detachPolicy(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const name = policyNameLabel(params);
  const { target } = jsonBody(req, targetBody);
  await ctx.registry.detachPolicy(name, target);
  return ok();
}

/** ListAttachedPolicies: a certificate target must exist; other principals simply have none. */
async function listAttachedPolicies(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const target = params.target ?? '';
  if (isCertificateArn(target) && !ctx.registry.certificateForPrincipal(target)) {
    throw iotError('ResourceNotFoundException', `The target does not exist: ${target}`);
  }
  return policyListPage(
    ctx,
    ctx.registry.policiesForPrincipal(target).map((p) => p.policyName),
    req,
  );
}

async function listTargetsForPolicy(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const name = policyNameLabel(params);
  requirePolicy(ctx, name);
  const paging = readPaging(req, MARKER_PAGING, 25);
  return ok(pageBody(paging, 'targets', ctx.registry.targetsForPolicy(name), (t) => t));
}

/** Policy ⇄ target (certificate ARN) attachments, both directions. */
export const policyAttachmentOperations: readonly IotOperation[] = [
  { method: 'PUT', path: '/target-policies/{policyName}', operation: 'AttachPolicy', handle: attachPolicy },
  { method: 'POST', path: '/target-policies/{policyName}', operation: 'DetachPolicy', handle: detachPolicy },
  { method: 'POST', path: '/attached-policies/{target}', operation: 'ListAttachedPolicies', handle: listAttachedPolicies },
  { method: 'POST', path: '/policy-targets/{policyName}', operation: 'ListTargetsForPolicy', handle: listTargetsForPolicy },
];
