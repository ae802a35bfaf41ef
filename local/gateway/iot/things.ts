import { z } from 'zod';
import type { GatewayRequest } from '../../ports';
import { iotError } from '../../registry/errors';
import type { ThingRecord } from '../../registry/types';
import type { IotContext, IotOperation, PathParams } from './context';
import { requireThing } from './lookups';
import { pageBody, readPaging, TOKEN_PAGING } from './pagination';
import { thingNameLabel } from './path-labels';
import { boolQuery, intQuery, jsonBody } from './request-input';
import { ok } from './responses';

const attributeKey = z.string().regex(/^[a-zA-Z0-9_.,@/:#-]{1,128}$/);
const attributeValue = z.string().regex(/^[a-zA-Z0-9_.,@/:#=[\]-]{0,800}$/);

/** CreateThing body (IoT API reference, CreateThing request syntax). */
const createThingBody = z.object({
  thingTypeName: z.string().min(1).max(128).optional(),
  attributePayload: z
    .object({ attributes: z.record(attributeKey, attributeValue).optional(), merge: z.boolean().optional() })
    .optional(),
  billingGroupName: z.string().optional(),
});

/** UpdateThing body (IoT API reference, UpdateThing request syntax). */
const updateThingBody = z.object({
  thingTypeName: z.string().min(1).max(128).optional(),
  removeThingType: z.boolean().optional(),
  expectedVersion: z.number().int().nonnegative().optional(),
  attributePayload: z
    .object({ attributes: z.record(attributeKey, z.string().max(800)).optional(), merge: z.boolean().optional() })
    .optional(),
});

async function createThing(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const name = thingNameLabel(params);
  const body = jsonBody(req, createThingBody);
  if (body.billingGroupName !== undefined) {
    // Billing groups are not modelled locally, so any named one does not exist.
    throw iotError('ResourceNotFoundException', `Billing group ${body.billingGroupName} is not found`);
  }
  const { thing } = await ctx.registry.createThing({
    thingName: name,
    attributes: body.attributePayload?.attributes ?? {},
    ...(body.thingTypeName !== undefined ? { thingTypeName: body.thingTypeName } : {}),
  });
  return ok({ thingName: thing.thingName, thingArn: thing.thingArn, thingId: thing.thingId });
}

async function describeThing(ctx: IotContext, params: PathParams) {
  const t = requireThing(ctx, thingNameLabel(params));
  return ok({
    defaultClientId: t.thingName,
    thingName: t.thingName,
    thingId: t.thingId,
    thingArn: t.thingArn,
    thingTypeName: t.thingTypeName,
    attributes: t.attributes,
    version: t.version,
  });
}

/** ListThings' filters: thing type, attribute name, and its value (exact or, with `usePrefixAttributeValue`, a prefix). */
function thingFilter(req: GatewayRequest): (t: ThingRecord) => boolean {
  const attrName = req.query.get('attributeName');
  const attrValue = req.query.get('attributeValue');
  const typeName = req.query.get('thingTypeName');
  const prefix = boolQuery(req, 'usePrefixAttributeValue') ?? false;
  if (prefix && (attrName === null || attrValue === null)) {
    throw iotError('InvalidRequestException', 'usePrefixAttributeValue needs attributeName and attributeValue');
  }
  return (t) => {
    if (typeName !== null && t.thingTypeName !== typeName) return false;
    if (attrName === null) return true;
    const v = t.attributes[attrName];
    if (v === undefined) return false;
    if (attrValue === null) return true;
    return prefix ? v.startsWith(attrValue) : v === attrValue;
  };
}

/** The `ThingAttribute` list shape. */
function thingSummary(t: ThingRecord): object {
  return {
    thingName: t.thingName,
    thingTypeName: t.thingTypeName,
    thingArn: t.thingArn,
    attributes: t.attributes,
    version: t.version,
  };
}

async function listThings(ctx: IotContext, _params: PathParams, req: GatewayRequest) {
  const paging = readPaging(req, TOKEN_PAGING, 50);
  const things = ctx.registry.listThings().filter(thingFilter(req));
  return ok(pageBody(paging, 'things', things, (t) => t.thingName, thingSummary));
}

async function updateThing(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const name = thingNameLabel(params);
  const body = jsonBody(req, updateThingBody);
  await ctx.registry.updateThing(name, {
    ...(body.thingTypeName !== undefined ? { thingTypeName: body.thingTypeName } : {}),
    ...(body.removeThingType !== undefined ? { removeThingType: body.removeThingType } : {}),
    ...(body.attributePayload?.attributes !== undefined ? { attributes: body.attributePayload.attributes } : {}),
    ...(body.attributePayload?.merge !== undefined ? { merge: body.attributePayload.merge } : {}),
    ...(body.expectedVersion !== undefined ? { expectedVersion: body.expectedVersion } : {}),
  });
  return ok();
}

async function deleteThing(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const expected = intQuery(req, 'expectedVersion', 0, Number.MAX_SAFE_INTEGER);
  await ctx.registry.deleteThing(thingNameLabel(params), expected);
  return ok();
}

/** Thing operations (CreateThing … DeleteThing). */
export const thingOperations: readonly IotOperation[] = [
  { method: 'POST', path: '/things/{thingName}', operation: 'CreateThing', handle: createThing },
  { method: 'GET', path: '/things/{thingName}', operation: 'DescribeThing', handle: describeThing },
  { method: 'GET', path: '/things', operation: 'ListThings', handle: listThings },
  { method: 'PATCH', path: '/things/{thingName}', operation: 'UpdateThing', handle: updateThing },
  { method: 'DELETE', path: '/things/{thingName}', operation: 'DeleteThing', handle: deleteThing },
];
