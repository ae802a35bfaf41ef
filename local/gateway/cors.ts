import type { IncomingMessage } from 'node:http';
import type { GatewayResponse } from '../ports';

/**
 * Headers on every answer so the display page (another origin) can read responses
 * to signed calls. Safe with `*`: a page without the secret cannot sign a call.
 * https://fetch.spec.whatwg.org/#http-cors-protocol
 */
export const CORS_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'x-amzn-requestid, x-amzn-errortype, date',
};

/** A CORS preflight: OPTIONS with `Access-Control-Request-Method`; it carries no signature. */
export function isCorsPreflight(req: Pick<IncomingMessage, 'method' | 'headers'>): boolean {
  return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
}

/** The preflight answer: any method the services use, the headers the browser asked for. */
export function preflightResponse(req: Pick<IncomingMessage, 'headers'>): GatewayResponse {
  return {
    status: 204,
    headers: {
      'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, HEAD',
      'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? '*'),
      'access-control-max-age': '600',
    },
  };
}
