import type { GatewayRequest } from '../../ports';
import type { ThingPrincipalType } from '../../registry/registry';
import type { IotContext, IotOperation, PathParams } from './context';
import { requireThing } from './lookups';
import { pageBody, readPaging, TOKEN_PAGING } from './pagination';
import { thingNameLabel } from './path-labels';
import { principalHeader, requireCertificatePrincipal } from './principals';
import { enumQuery } from './request-input';
import { ok } from './responses';

const PRINCIPAL_TYPES: readonly ThingPrincipalType[] = ['EXCLUSIVE_THING', 'NON_EXCLUSIVE_THING'];

async function attachThingPrincipal(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const name = thingNameLabel(params);
  const principal = principalHeader(req.headers);
  const type = enumQuery(
    req,
    'thingPrincipalType',
    PRINCIPAL_TYPES,
    (got) => `invalid thingPrincipalType '${got}'`,
    'NON_EXCLUSIVE_THING',
  );
  requireThing(ctx, name);
  requireCertificatePrincipal(ctx, principal, 'principal');
  await ctx.registry.attachThingPrincipal(name, principal, type);
  return ok();
}

async function detachThingPrincipal(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const name = thingNameLabel(params);
  const principal = principalHeader(req.headers);
  requireThing(ctx, name);
  await ctx.registry.detachThingPrincipal(name, principal);
  return ok();
}

async function listThingPrincipals(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const name = thingNameLabel(params);
  requireThing(ctx, name);
  const paging = readPaging(req, TOKEN_PAGING, 25);
  return ok(pageBody(paging, 'principals', ctx.registry.principalsForThing(name), (p) => p));
}

async function listPrincipalThings(ctx: IotContext, _params: PathParams, req: GatewayRequest) {
  const principal = principalHeader(req.headers);
  const paging = readPaging(req, TOKEN_PAGING, 25);
  return ok(pageBody(paging, 'things', ctx.registry.thingsForPrincipal(principal), (t) => t));
}

/** Thing ⇄ principal (certificate) attachments, both directions. */
export const thingPrincipalOperations: readonly IotOperation[] = [
  { method: 'PUT', path: '/things/{thingName}/principals', operation: 'AttachThingPrincipal', handle: attachThingPrincipal },
  { method: 'DELETE', path: '/things/{thingName}/principals', operation: 'DetachThingPrincipal', handle: detachThingPrincipal },
  { method: 'GET', path: '/things/{thingName}/principals', operation: 'ListThingPrincipals', handle: listThingPrincipals },
  { method: 'GET', path: '/principals/things', operation: 'ListPrincipalThings', handle: listPrincipalThings },
];
