import type { z } from 'zod';
import type { Logger } from '../../common/logger';
import type { GatewayRequest, GatewayResponse } from '../ports';
import { validationError } from './errors';
import type { QueryResultCache } from './query-results';
import type { TelemetryStore } from './store';

/** What the Timestream operations share: the store, the query result pages, the clock. */
export interface OperationContext {
  store: TelemetryStore;
  results: QueryResultCache;
  now: () => number;
  log: Logger;
}

/** One awsJson1_0 operation: the parsed JSON body → the response. */
export type Operation = (body: unknown, req: GatewayRequest) => Promise<GatewayResponse>;

export const CONTENT_TYPE = 'application/x-amz-json-1.0';

/** A 200 answer with a JSON body. */
export const ok = (body: object): GatewayResponse => ({ status: 200, headers: { 'content-type': CONTENT_TYPE }, body });

/**
 * Parses a request body with `schema`.
 * @throws TimestreamError('ValidationException') listing each problem with its path
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (!r.success) {
    throw validationError(r.error.issues.map((i) => `Value at '${i.path.join('.') || 'body'}' failed: ${i.message}`).join('; '));
  }
  return r.data as z.infer<S>;
}
