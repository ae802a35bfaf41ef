/**
 * The IoT data plane (`iotdata` signing name) on the local gateway, answering the
 * real @aws-sdk/client-iot-data-plane over restJson1:
 *   GET|POST|DELETE /things/{thingName}/shadow?name=   Get/Update/DeleteThingShadow
 *   GET  /api/things/shadow/ListNamedShadowsForThing/{thingName}?nextToken=&pageSize=
 *   POST /topics/{topic}?qos=&retain=                  Publish (as a cloud principal)
 * https://docs.aws.amazon.com/iot/latest/apireference/API_Operations_AWS_IoT_Data_Plane.html
 */
import { z } from 'zod';
import type { Logger } from '../../common/logger';
import { topicLimitViolation } from '../../protocol/topics';
import { awsError } from '../gateway/aws-error';
import type { BrokerBus, GatewayRequest, GatewayResponse, GatewayService } from '../ports';
import { iotDataIamRequest } from './iotdata-iam';
import type { ShadowOpResult, ShadowService } from './shadow-service';

/** HTTP status → the data plane's modeled exception names. */
const ERROR_TYPES: Record<number, string> = {
  400: 'InvalidRequestException',
  401: 'UnauthorizedException',
  403: 'ForbiddenException',
  404: 'ResourceNotFoundException',
  405: 'MethodNotAllowedException',
  409: 'ConflictException',
  413: 'RequestEntityTooLargeException',
  415: 'UnsupportedDocumentEncodingException',
  429: 'ThrottlingException',
  500: 'InternalFailureException',
  503: 'ServiceUnavailableException',
};

/** Dependencies of the `iotdata` gateway service. */
export interface IotDataServiceOptions {
  shadows: ShadowService;
  bus: BrokerBus;
  logger: Logger;
}

const NameQuery = z.string().min(1).max(64).optional();
const ListQuery = z.object({
  pageSize: z.coerce.number().int().min(1).max(100).optional(),
  nextToken: z.string().min(1).max(1024).optional(),
});
const PublishQuery = z.object({
  qos: z.coerce.number().int().min(0).max(1).default(0),
  retain: z.enum(['true', 'false']).default('false'),
});

function decodeSegments(raw: string): string[] | undefined {
  try {
    return raw.split('/').map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

function toResponse(r: ShadowOpResult): GatewayResponse {
  if (r.ok) return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(r.body)) };
  return awsError(r.code, ERROR_TYPES[r.code] ?? 'InternalFailureException', r.message);
}

function queryObject(q: URLSearchParams, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = q.get(k);
    if (v !== null) out[k] = v;
  }
  return out;
}

/**
 * Builds the `iotdata` gateway service.
 *
 * @example
 * gateway.addService(createIotDataService({ shadows, bus, logger }));
 */
export function createIotDataService(opts: IotDataServiceOptions): GatewayService {
  const log = opts.logger.child({ component: 'iotdata' });

  async function handle(req: GatewayRequest): Promise<GatewayResponse> {
    const seg = decodeSegments(req.path);
    if (!seg) return awsError(400, 'InvalidRequestException', 'Malformed path');
    // seg[0] is '' (the path starts with '/')
    if (seg[1] === 'things' && seg[3] === 'shadow' && seg.length === 4 && seg[2]) {
      const thing = seg[2];
      const name = NameQuery.safeParse(req.query.get('name') ?? undefined);
      if (!name.success) return awsError(400, 'InvalidRequestException', 'Invalid shadow name');
      const caller = { via: 'http' as const, connection: `http:${thing}` };
      switch (req.method) {
        case 'GET':
          return toResponse(await opts.shadows.get(thing, name.data, '', caller));
        case 'POST':
          return toResponse(await opts.shadows.update(thing, name.data, req.body, caller));
        case 'DELETE':
          return toResponse(await opts.shadows.delete(thing, name.data, '', caller));
        default:
          return awsError(405, 'MethodNotAllowedException', `${req.method} is not allowed on ${req.path}`);
      }
    }
    if (req.method === 'GET' && seg.length === 6 && seg[1] === 'api' && seg[4] === 'ListNamedShadowsForThing' && seg[5]) {
      const q = ListQuery.safeParse(queryObject(req.query, ['pageSize', 'nextToken']));
      if (!q.success) return awsError(400, 'InvalidRequestException', z.prettifyError(q.error));
      const page: { pageSize?: number; nextToken?: string } = {};
      if (q.data.pageSize !== undefined) page.pageSize = q.data.pageSize;
      if (q.data.nextToken !== undefined) page.nextToken = q.data.nextToken;
      return { status: 200, body: opts.shadows.listNamedShadows(seg[5], page) };
    }
    if (req.method === 'POST' && seg[1] === 'topics' && seg.length >= 3) {
      return publish(seg.slice(2).join('/'), req);
    }
    return awsError(404, 'ResourceNotFoundException', `No iotdata operation at ${req.method} ${req.path}`);
  }

  async function publish(topic: string, req: GatewayRequest): Promise<GatewayResponse> {
    const q = PublishQuery.safeParse(queryObject(req.query, ['qos', 'retain']));
    if (!q.success) return awsError(400, 'InvalidRequestException', z.prettifyError(q.error));
    if (topic === '' || topic.includes('+') || topic.includes('#')) {
      return awsError(400, 'InvalidRequestException', 'Publish topic must be non-empty and contain no wildcards');
    }
    const violation = topicLimitViolation(topic);
    if (violation) return awsError(400, 'InvalidRequestException', violation);
    // IoT Core's message size limit: https://docs.aws.amazon.com/general/latest/gr/iot-core.html
    if (req.body.length > 128 * 1024) return awsError(413, 'RequestEntityTooLargeException', 'Payload exceeds 128 KB');
    await opts.bus.publish(topic, req.body, { qos: q.data.qos as 0 | 1, retain: q.data.retain === 'true' });
    log.debug({ topic, qos: q.data.qos, bytes: req.body.length }, 'published via data plane');
    return { status: 200 };
  }

  // AWS IoT's data plane answers an IAM denial with 403 ForbiddenException (not AccessDeniedException).
  return { signingNames: ['iotdata'], handle, iamRequest: iotDataIamRequest, accessDeniedType: 'ForbiddenException' };
}
