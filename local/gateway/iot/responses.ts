import type { GatewayResponse } from '../../ports';

/** A JSON 200 response. */
export function ok(body: object = {}): GatewayResponse {
  return { status: 200, headers: { 'content-type': 'application/json' }, body };
}

/** restJson1 timestamps default to epoch seconds (fractional allowed). */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}
