import { z } from 'zod';
import { iotError } from '../../registry/errors';
import type { ThingTypeRecord } from '../../registry/types';
import type { RestRoute } from '../rest-router';
import { epochSeconds, type IotContext, intQuery, jsonBody, ok, paginate } from './common';

const createBody = z.object({
  thingTypeProperties: z
    .object({
      thingTypeDescription: z.string().max(2028).optional(),
      searchableAttributes: z.array(z.string().min(1).max(128)).max(3).optional(),
    })
    .passthrough()
    .optional(),
  tags: z.array(z.object({ Key: z.string(), Value: z.string().optional() })).optional(),
});
const deprecateBody = z.object({ undoDeprecate: z.boolean().optional() });

function typeName(params: Record<string, string>): string {
  const name = params.thingTypeName ?? '';
  if (!/^[a-zA-Z0-9:_-]{1,128}$/.test(name)) throw iotError('InvalidRequestException', `invalid thingTypeName '${name}'`);
  return name;
}

function metadata(t: ThingTypeRecord): object {
  return {
    deprecated: t.deprecated,
    ...(t.deprecationDate !== undefined ? { deprecationDate: epochSeconds(t.deprecationDate) } : {}),
    creationDate: epochSeconds(t.creationDate),
  };
}

/** Thing type operations (CreateThingType … DeleteThingType), bound as restJson1 routes. */
export function thingTypeRoutes(ctx: IotContext): RestRoute[] {
  const types = ctx.registry.thingTypes;
  const require = (name: string): ThingTypeRecord => {
    const t = types.getType(name);
    if (!t) throw iotError('ResourceNotFoundException', `Thing type ${name} is not found`);
    return t;
  };
  return [
    {
      method: 'POST',
      path: '/thing-types/{thingTypeName}',
      operation: 'CreateThingType',
      async handle(params, req) {
        const body = jsonBody(req, createBody);
        const p = body.thingTypeProperties;
        const { type } = await types.createType(typeName(params), {
          ...(p?.thingTypeDescription !== undefined ? { thingTypeDescription: p.thingTypeDescription } : {}),
          ...(p?.searchableAttributes !== undefined ? { searchableAttributes: p.searchableAttributes } : {}),
        });
        return ok({ thingTypeName: type.thingTypeName, thingTypeArn: type.thingTypeArn, thingTypeId: type.thingTypeId });
      },
    },
    {
      method: 'GET',
      path: '/thing-types/{thingTypeName}',
      operation: 'DescribeThingType',
      async handle(params) {
        const t = require(typeName(params));
        return ok({
          thingTypeName: t.thingTypeName,
          thingTypeId: t.thingTypeId,
          thingTypeArn: t.thingTypeArn,
          thingTypeProperties: t.properties,
          thingTypeMetadata: metadata(t),
        });
      },
    },
    {
      method: 'GET',
      path: '/thing-types',
      operation: 'ListThingTypes',
      async handle(_params, req) {
        const limit = intQuery(req, 'maxResults', 1, 250) ?? 50;
        const only = req.query.get('thingTypeName');
        const all = types.listTypes().filter((t) => only === null || t.thingTypeName === only);
        const { page, next } = paginate(all, (t) => t.thingTypeName, req.query.get('nextToken'), limit);
        return ok({
          thingTypes: page.map((t) => ({
            thingTypeName: t.thingTypeName,
            thingTypeArn: t.thingTypeArn,
            thingTypeProperties: t.properties,
            thingTypeMetadata: metadata(t),
          })),
          nextToken: next,
        });
      },
    },
    {
      method: 'POST',
      path: '/thing-types/{thingTypeName}/deprecate',
      operation: 'DeprecateThingType',
      async handle(params, req) {
        const body = jsonBody(req, deprecateBody);
        await types.deprecateType(typeName(params), body.undoDeprecate ?? false);
        return ok();
      },
    },
    {
      method: 'DELETE',
      path: '/thing-types/{thingTypeName}',
      operation: 'DeleteThingType',
      async handle(params) {
        await types.deleteType(typeName(params));
        return ok();
      },
    },
  ];
}
