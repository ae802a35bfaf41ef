import { z } from 'zod';
import type { GatewayRequest } from '../../ports';
import { iotError } from '../../registry/errors';

/** The `tags` list several create operations accept (IoT API reference, `Tag` data type); stored nowhere locally. */
export const tagList = z.array(z.object({ Key: z.string(), Value: z.string().optional() })).optional();

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

/**
 * A query parameter that must be one of `allowed`. Absent, it is `fallback`
 * (checked like a given value, so `''` makes the parameter required) or undefined.
 */
export function enumQuery<T extends string>(
  req: GatewayRequest,
  name: string,
  allowed: readonly T[],
  message: (got: string) => string,
): T | undefined;
export function enumQuery<T extends string>(
  req: GatewayRequest,
  name: string,
  allowed: readonly T[],
  message: (got: string) => string,
  fallback: string,
): T;
export function enumQuery<T extends string>(
  req: GatewayRequest,
  name: string,
  allowed: readonly T[],
  message: (got: string) => string,
  fallback?: string,
): T | undefined {
  const v = req.query.get(name) ?? fallback;
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw iotError('InvalidRequestException', message(v));
  return v as T;
}
