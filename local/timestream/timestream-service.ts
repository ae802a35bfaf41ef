import type { Logger } from '../../common/logger';
import type { GatewayRequest, GatewayResponse, GatewayService } from '../ports';
import { databaseOperations, tableOperations } from './catalog-operations';
import { dataOperations } from './data-operations';
import { timestreamIamRequest } from './iam-request';
import { TimestreamError, type TimestreamErrorType } from './errors';
import { CONTENT_TYPE, type Operation, type OperationContext } from './operations';
import { QueryResultCache } from './query-results';
import { TelemetryStore } from './store';
import { timestreamStoreMetrics } from './store-metrics';

/**
 * Timestream's awsJson1_0 wire protocol on the local gateway (signing name `timestream`):
 * `POST /` with `X-Amz-Target: Timestream_20181101.<Operation>`, so the real
 * `@aws-sdk/client-timestream-write` and `client-timestream-query` work unchanged.
 * https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html
 */

const TARGET_PREFIX = 'Timestream_20181101.';
const QUERY_OPS = new Set(['Query', 'CancelQuery', 'PrepareQuery']);

export interface TimestreamServiceOptions {
  /** where `timestream.duckdb` lives; omit for an in-memory store */
  dataDir?: string;
  logger: Logger;
  /** clock (ms) for `now()` and the ingestion window; tests only */
  now?: () => number;
}

export interface TimestreamServiceHandle {
  service: GatewayService;
  store: TelemetryStore;
  /** the store's figures for `GET /metrics` (store-metrics.ts) */
  metrics(): string;
  close(): Promise<void>;
}

function errorResponse(op: string, type: TimestreamErrorType | string, message: string, status: number, extra = {}): GatewayResponse {
  // The namespace picks the SDK's error registry: write and query clients use different ones.
  const ns = op === 'DescribeEndpoints' ? '' : QUERY_OPS.has(op) ? 'com.amazonaws.timestreamquery#' : 'com.amazonaws.timestreamwrite#';
  return {
    status,
    headers: { 'content-type': CONTENT_TYPE, 'x-amzn-errortype': type },
    body: { __type: `${ns}${type}`, message, Message: message, ...extra },
  };
}

/** The operation a request targets, or the error response for one the service does not have. */
function route(operations: Record<string, Operation>, req: GatewayRequest): { op: string; handler: Operation } | GatewayResponse {
  const target = String(req.headers['x-amz-target'] ?? '');
  const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const handler = req.method === 'POST' && Object.hasOwn(operations, op) ? operations[op] : undefined;
  if (!handler) return errorResponse(op, 'UnknownOperationException', `Unknown operation '${target}'.`, 400);
  return { op, handler };
}

/** The request's JSON body ({} when empty), or undefined when it is not JSON. */
function jsonBody(req: GatewayRequest): { value: unknown } | undefined {
  if (req.body.length === 0) return { value: {} };
  try {
    return { value: JSON.parse(req.body.toString('utf8')) };
  } catch {
    return undefined;
  }
}

/** A thrown error as the wire error: TimestreamErrors by their type, anything else a bare 500. */
function failure(log: Logger, op: string, req: GatewayRequest, e: unknown): GatewayResponse {
  if (e instanceof TimestreamError) {
    if (e.type === 'InternalServerException') log.error({ err: e, op, requestId: req.requestId }, 'timestream operation failed');
    const extra = e.rejectedRecords ? { RejectedRecords: e.rejectedRecords } : {};
    return errorResponse(op, e.type, e.message, e.status, extra);
  }
  log.error({ err: e, op, requestId: req.requestId }, 'timestream operation failed');
  // never echo internal messages on a 500 (Fastify rule in CONVENTIONS.md)
  return errorResponse(op, 'InternalServerException', 'An internal error occurred.', 500);
}

/**
 * Creates the local Timestream service (store + protocol) for the gateway.
 * @example
 * const ts = await createTimestreamService({ dataDir, logger });
 * stack.addService(ts.service);
 */
export async function createTimestreamService(opts: TimestreamServiceOptions): Promise<TimestreamServiceHandle> {
  const log = opts.logger.child({ component: 'timestream' });
  const now = opts.now ?? Date.now;
  const store = await TelemetryStore.open({ logger: opts.logger, now, ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }) });
  const ctx: OperationContext = { store, results: new QueryResultCache(now), now, log };
  const operations: Record<string, Operation> = { ...dataOperations(ctx), ...databaseOperations(ctx), ...tableOperations(ctx) };
  const service: GatewayService = {
    signingNames: ['timestream'],
    iamRequest: timestreamIamRequest,
    async handle(req: GatewayRequest): Promise<GatewayResponse> {
      const routed = route(operations, req);
      if (!('handler' in routed)) return routed;
      const body = jsonBody(req);
      if (body === undefined) return errorResponse(routed.op, 'SerializationException', 'The request body is not valid JSON.', 400);
      try {
        return await routed.handler(body.value, req);
      } catch (e) {
        return failure(log, routed.op, req, e);
      }
    },
  };
  return { service, store, metrics: () => timestreamStoreMetrics(store), close: () => store.close() };
}
