import { z } from 'zod';
import { iotError } from '../../registry/errors';
import { THING_NAME_RE } from '../../registry/registry';
import type { ThingRecord } from '../../registry/types';
import type { RestRoute } from '../rest-router';
import { boolQuery, type IotContext, intQuery, jsonBody, ok, paginate } from './common';

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

function thingName(params: Record<string, string>): string {
  const name = params.thingName ?? '';
  if (!THING_NAME_RE.test(name)) {
    throw iotError('InvalidRequestException', `thingName must match [a-zA-Z0-9:_-]{1,128}, got '${name}'`);
  }
  return name;
}

function requireThing(ctx: IotContext, name: string): ThingRecord {
  const thing = ctx.registry.getThing(name);
  if (!thing) throw iotError('ResourceNotFoundException', `Thing ${name} cannot be found.`);
  return thing;
}

function principalHeader(headers: Record<string, string | string[] | undefined>): string {
  const v = headers['x-amzn-principal'];
  const p = Array.isArray(v) ? v[0] : v;
  if (!p) throw iotError('InvalidRequestException', 'the principal (x-amzn-principal) is required');
  return p;
}

/** A principal must name something that exists; only certificate ARNs are local principals. */
function requireCertificatePrincipal(ctx: IotContext, principal: string): void {
  if (!/^arn:aws[a-z-]*:iot:[^:]*:[^:]*:cert\/[0-9a-f]{64}$/.test(principal)) {
    throw iotError('InvalidRequestException', `principal must be a certificate ARN, got '${principal}'`);
  }
  if (!ctx.registry.certificateForPrincipal(principal)) {
    throw iotError('ResourceNotFoundException', `The certificate given in the principal does not exist: ${principal}`);
  }
}

/** Thing operations, bound as restJson1 routes. */
export function thingRoutes(ctx: IotContext): RestRoute[] {
  const { registry } = ctx;
  return [
    {
      method: 'POST',
      path: '/things/{thingName}',
      operation: 'CreateThing',
      async handle(params, req) {
        const name = thingName(params);
        const body = jsonBody(req, createThingBody);
        if (body.billingGroupName !== undefined) {
          throw iotError('ResourceNotFoundException', `Billing group ${body.billingGroupName} is not found`);
        }
        const { thing } = await registry.createThing({
          thingName: name,
          attributes: body.attributePayload?.attributes ?? {},
          ...(body.thingTypeName !== undefined ? { thingTypeName: body.thingTypeName } : {}),
        });
        return ok({ thingName: thing.thingName, thingArn: thing.thingArn, thingId: thing.thingId });
      },
    },
    {
      method: 'GET',
      path: '/things/{thingName}',
      operation: 'DescribeThing',
      async handle(params) {
        const t = requireThing(ctx, thingName(params));
        return ok({
          defaultClientId: t.thingName,
          thingName: t.thingName,
          thingId: t.thingId,
          thingArn: t.thingArn,
          thingTypeName: t.thingTypeName,
          attributes: t.attributes,
          version: t.version,
        });
      },
    },
    {
      method: 'GET',
      path: '/things',
      operation: 'ListThings',
      async handle(_params, req) {
        const limit = intQuery(req, 'maxResults', 1, 250) ?? 50;
        const attrName = req.query.get('attributeName');
        const attrValue = req.query.get('attributeValue');
        const typeName = req.query.get('thingTypeName');
        const prefix = boolQuery(req, 'usePrefixAttributeValue') ?? false;
        if (prefix && (attrName === null || attrValue === null)) {
          throw iotError('InvalidRequestException', 'usePrefixAttributeValue needs attributeName and attributeValue');
        }
        const all = registry.listThings().filter((t) => {
          if (typeName !== null && t.thingTypeName !== typeName) return false;
          if (attrName === null) return true;
          const v = t.attributes[attrName];
          if (v === undefined) return false;
          if (attrValue === null) return true;
          return prefix ? v.startsWith(attrValue) : v === attrValue;
        });
        const { page, next } = paginate(all, (t) => t.thingName, req.query.get('nextToken'), limit);
        return ok({
          things: page.map((t) => ({
            thingName: t.thingName,
            thingTypeName: t.thingTypeName,
            thingArn: t.thingArn,
            attributes: t.attributes,
            version: t.version,
          })),
          nextToken: next,
        });
      },
    },
    {
      method: 'PATCH',
      path: '/things/{thingName}',
      operation: 'UpdateThing',
      async handle(params, req) {
        const name = thingName(params);
        const body = jsonBody(req, updateThingBody);
        await registry.updateThing(name, {
          ...(body.thingTypeName !== undefined ? { thingTypeName: body.thingTypeName } : {}),
          ...(body.removeThingType !== undefined ? { removeThingType: body.removeThingType } : {}),
          ...(body.attributePayload?.attributes !== undefined ? { attributes: body.attributePayload.attributes } : {}),
          ...(body.attributePayload?.merge !== undefined ? { merge: body.attributePayload.merge } : {}),
          ...(body.expectedVersion !== undefined ? { expectedVersion: body.expectedVersion } : {}),
        });
        return ok();
      },
    },
    {
      method: 'DELETE',
      path: '/things/{thingName}',
      operation: 'DeleteThing',
      async handle(params, req) {
        const expected = intQuery(req, 'expectedVersion', 0, Number.MAX_SAFE_INTEGER);
        await registry.deleteThing(thingName(params), expected);
        return ok();
      },
    },
    {
      method: 'PUT',
      path: '/things/{thingName}/principals',
      operation: 'AttachThingPrincipal',
      async handle(params, req) {
        const name = thingName(params);
        const principal = principalHeader(req.headers);
        const typeRaw = req.query.get('thingPrincipalType') ?? 'NON_EXCLUSIVE_THING';
        if (typeRaw !== 'EXCLUSIVE_THING' && typeRaw !== 'NON_EXCLUSIVE_THING') {
          throw iotError('InvalidRequestException', `invalid thingPrincipalType '${typeRaw}'`);
        }
        requireThing(ctx, name);
        requireCertificatePrincipal(ctx, principal);
        await registry.attachThingPrincipal(name, principal, typeRaw);
        return ok();
      },
    },
    {
      method: 'DELETE',
      path: '/things/{thingName}/principals',
      operation: 'DetachThingPrincipal',
      async handle(params, req) {
        const name = thingName(params);
        const principal = principalHeader(req.headers);
        requireThing(ctx, name);
        await registry.detachThingPrincipal(name, principal);
        return ok();
      },
    },
    {
      method: 'GET',
      path: '/things/{thingName}/principals',
      operation: 'ListThingPrincipals',
      async handle(params, req) {
        const name = thingName(params);
        requireThing(ctx, name);
        const limit = intQuery(req, 'maxResults', 1, 250) ?? 25;
        const { page, next } = paginate(registry.principalsForThing(name), (p) => p, req.query.get('nextToken'), limit);
        return ok({ principals: page, nextToken: next });
      },
    },
    {
      method: 'GET',
      path: '/principals/things',
      operation: 'ListPrincipalThings',
      async handle(_params, req) {
        const principal = principalHeader(req.headers);
        const limit = intQuery(req, 'maxResults', 1, 250) ?? 25;
        const { page, next } = paginate(
          registry.thingsForPrincipal(principal),
          (t) => t,
          req.query.get('nextToken'),
          limit,
        );
        return ok({ things: page, nextToken: next });
      },
    },
    {
      method: 'GET',
      path: '/endpoint',
      operation: 'DescribeEndpoint',
      async handle(_params, req) {
        // https://docs.aws.amazon.com/iot/latest/apireference/API_DescribeEndpoint.html
        const type = req.query.get('endpointType') ?? 'iot:Data';
        const known = ['iot:Data', 'iot:Data-ATS', 'iot:CredentialProvider', 'iot:Jobs'];
        if (!known.includes(type)) throw iotError('InvalidRequestException', `unknown endpointType '${type}'`);
        return ok({ endpointAddress: ctx.mqttAddress() });
      },
    },
  ];
}
