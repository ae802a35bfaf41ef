import type { IncomingMessage, ServerResponse } from 'node:http';
import { PulsepetError } from '../../protocol/errors';
import type { GatewayResponse } from '../ports';
import { CORS_RESPONSE_HEADERS } from './cors';

/** The request target split as SigV4 signs it: raw (still percent-encoded) path and query. */
export interface RequestTarget {
  rawPath: string;
  rawQuery: string;
}

/** Splits `req.url` at the first `?`. */
export function splitTarget(url: string | undefined): RequestTarget {
  const target = url ?? '/';
  const q = target.indexOf('?');
  return { rawPath: q < 0 ? target : target.slice(0, q), rawQuery: q < 0 ? '' : target.slice(q + 1) };
}

/**
 * Reads the whole request body. Past `maxBytes` it destroys the request and rejects
 * with a `PP_ERR_LIMIT` error, so a huge upload is never buffered.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        req.destroy();
        reject(new PulsepetError('PP_ERR_LIMIT', `request body exceeds ${maxBytes} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Writes a service's answer: `x-amzn-requestid` and the CORS headers on every
 * response, JSON bodies serialised (with a JSON content type unless the service set
 * one), and an exact `content-length`. A response already started is left alone.
 */
export function sendResponse(res: ServerResponse, requestId: string, out: GatewayResponse): void {
  if (res.headersSent) return;
  const headers: Record<string, string> = { 'x-amzn-requestid': requestId, ...CORS_RESPONSE_HEADERS, ...(out.headers ?? {}) };
  let payload: Buffer | string = '';
  if (Buffer.isBuffer(out.body) || typeof out.body === 'string') payload = out.body;
  else if (out.body !== undefined) {
    payload = JSON.stringify(out.body);
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(out.status, headers);
  res.end(payload);
}

function hasHeader(h: Record<string, string>, name: string): boolean {
  return Object.keys(h).some((k) => k.toLowerCase() === name);
}

/**
 * The URL clients use: a wildcard bind address is reached on loopback, and an IPv6
 * host is bracketed (RFC 3986 §3.2.2).
 */
export function gatewayUrl(host: string | undefined, port: number): string {
  const h = host === undefined || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}
