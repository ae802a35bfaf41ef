import { z } from 'zod';
import type { GatewayRequest } from '../../ports';
import type { ThingTypeRecord } from '../../registry/types';
import type { IotContext, IotOperation, PathParams } from './context';
import { requireThingType } from './lookups';
import { pageBody, readPaging, TOKEN_PAGING } from './pagination';
import { thingTypeNameLabel } from './path-labels';
import { jsonBody, tagList } from './request-input';
import { epochSeconds, ok } from './responses';

const createBody = z.object({
  thingTypeProperties: z
    .object({
      thingTypeDescription: z.string().max(2028).optional(),
      searchableAttributes: z.array(z.string().min(1).max(128)).max(3).optional(),
    })
    .passthrough()
    .optional(),
  tags: tagList,
});
const deprecateBody = z.object({ undoDeprecate: z.boolean().optional() });

function metadata(t: ThingTypeRecord): object {
  return {
    deprecated: t.deprecated,
    ...(t.deprecationDate !== undefined ? { deprecationDate: epochSeconds(t.deprecationDate) } : {}),
    creationDate: epochSeconds(t.creationDate),
  };
}

async function createThingType(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const body = jsonBody(req, createBody);
  const p = body.thingTypeProperties;
  const { type } = await ctx.registry.thingTypes.createType(thingTypeNameLabel(params), {
    ...(p?.thingTypeDescription !== undefined ? { thingTypeDescription: p.thingTypeDescription } : {}),
    ...(p?.searchableAttributes !== undefined ? { searchableAttributes: p.searchableAttributes } : {}),
  });
  return ok({ thingTypeName: type.thingTypeName, thingTypeArn: type.thingTypeArn, thingTypeId: type.thingTypeId });
}

async function describeThingType(ctx: IotContext, params: PathParams) {
  const t = requireThingType(ctx, thingTypeNameLabel(params));
  return ok({
    thingTypeName: t.thingTypeName,
    thingTypeId: t.thingTypeId,
    thingTypeArn: t.thingTypeArn,
    thingTypeProperties: t.properties,
    thingTypeMetadata: metadata(t),
  });
}

async function listThingTypes(ctx: IotContext, _params: PathParams, req: GatewayRequest) {
  const paging = readPaging(req, TOKEN_PAGING, 50);
  const only = req.query.get('thingTypeName');
  const types = ctx.registry.thingTypes.listTypes().filter((t) => only === null || t.thingTypeName === only);
  return ok(
    pageBody(paging, 'thingTypes', types, (t) => t.thingTypeName, (t) => ({
      thingTypeName: t.thingTypeName,
      thingTypeArn: t.thingTypeArn,
      thingTypeProperties: t.properties,
      thingTypeMetadata: metadata(t),
    })),
  );
}

async function deprecateThingType(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const body = jsonBody(req, deprecateBody);
  await ctx.registry.thingTypes.deprecateType(thingTypeNameLabel(params), body.undoDeprecate ?? false);
  return ok();
}

async function deleteThingType(ctx: IotContext, params: PathParams) {
  await ctx.registry.thingTypes.deleteType(thingTypeNameLabel(params));
  return ok();
}

/** Thing type operations (CreateThingType … DeleteThingType). */
export const thingTypeOperations: readonly IotOperation[] = [
  { method: 'POST', path: '/thing-types/{thingTypeName}', operation: 'CreateThingType', handle: createThingType },
  { method: 'GET', path: '/thing-types/{thingTypeName}', operation: 'DescribeThingType', handle: describeThingType },
  { method: 'GET', path: '/thing-types', operation: 'ListThingTypes', handle: listThingTypes },
  {
    method: 'POST',
    path: '/thing-types/{thingTypeName}/deprecate',
    operation: 'DeprecateThingType',
    handle: deprecateThingType,
  },
  { method: 'DELETE', path: '/thing-types/{thingTypeName}', operation: 'DeleteThingType', handle: deleteThingType },
];
