import { z } from 'zod';
import type { CaMaterial } from '../../../certs/index';
import type { Logger } from '../../../common/logger';
import type { GatewayRequest, GatewayResponse } from '../../ports';
import { iotError } from '../../registry/errors';
import type { Registry } from '../../registry/registry';

/** What every iot operation handler needs. */
export interface IotContext {
  registry: Registry;
  region: string;
  ca: CaMaterial;
  /** `host:port` of the MQTT broker; known only once it listens, hence a function. */
  mqttAddress: () => string;
  logger: Logger;
  /** resolves once the local AWS-managed CA is in the registry */
  ready: Promise<unknown>;
}

/** A JSON 200 response. */
export function ok(body: object = {}): GatewayResponse {
  return { status: 200, headers: { 'content-type': 'application/json' }, body };
}

/** restJson1 timestamps default to epoch seconds (fractional allowed). */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

/** Parses and validates a JSON request body (an absent body is `{}`). */
export function jsonBody<S extends z.ZodType>(req: GatewayRequest, schema: S): z.infer<S> {
  let raw: unknown = {};
  if (req.body.length > 0) {
    try {
      raw = JSON.parse(req.body.toString('utf8'));
    } catch {
      throw iotError('InvalidRequestException', 'The request body is not valid JSON');
    }
  }
  return parseInput(schema, raw);
}

/** Validates input with zod, turning problems into one InvalidRequestException. */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
    throw iotError('InvalidRequestException', msg);
  }
  return r.data;
}

/** A boolean query parameter as the SDK serialises it ("true"/"false"). */
export function boolQuery(req: GatewayRequest, name: string): boolean | undefined {
  const v = req.query.get(name);
  if (v === null) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw iotError('InvalidRequestException', `${name} must be true or false`);
}

/** An integer query parameter within [min, max]. */
export function intQuery(req: GatewayRequest, name: string, min: number, max: number): number | undefined {
  const v = req.query.get(name);
  if (v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw iotError('InvalidRequestException', `${name} must be an integer between ${min} and ${max}`);
  }
  return n;
}

const tokenSchema = z.object({ k: z.string(), i: z.number().int().nonnegative() });

/**
 * Pages through `items` (already in response order). The opaque token remembers the
 * last key returned and its index, so deletions between pages do not repeat items.
 */
export function paginate<T>(
  items: T[],
  keyOf: (t: T) => string,
  token: string | null,
  limit: number,
): { page: T[]; next?: string } {
  let start = 0;
  if (token !== null && token !== '') {
    let parsed: z.infer<typeof tokenSchema>;
    try {
      parsed = tokenSchema.parse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    } catch {
      throw iotError('InvalidRequestException', 'The pagination token is invalid');
    }
    const at = items.findIndex((t) => keyOf(t) === parsed.k);
    start = at >= 0 ? at + 1 : Math.min(parsed.i, items.length);
  }
  const page = items.slice(start, start + limit);
  const end = start + page.length;
  const last = page[page.length - 1];
  if (end >= items.length || last === undefined) return { page };
  return { page, next: Buffer.from(JSON.stringify({ k: keyOf(last), i: end - 1 })).toString('base64url') };
}
