import { createHash } from 'node:crypto';
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
 * Reads the whole request body. Past `maxBytes` it stops reading (the request is
 * paused, nothing more is kept) and rejects with a `PP_ERR_LIMIT` error, so a huge
 * upload is never buffered; the caller answers and closes the connection politely.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return (await readBodyHashed(req, maxBytes)).body;
}

/** A body as read, with its SHA-256 (hex) computed chunk by chunk while it arrived. */
export interface HashedBody {
  body: Buffer;
  sha256: string;
}

/**
 * Like {@link readBody}, hashing each chunk as it arrives (SigV4's payload hash,
 * create-signed-request.html), so the body is never walked a second time.
 * `onChunk` is told the size of each chunk kept (memory accounting).
 */
export function readBodyHashed(
  req: IncomingMessage,
  maxBytes: number,
  onChunk?: (bytes: number) => void,
): Promise<HashedBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const hash = createHash('sha256');
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > maxBytes) {
        stop();
        req.pause();
        reject(new PulsepetError('PP_ERR_LIMIT', `request body exceeds ${maxBytes} bytes`));
        return;
      }
      hash.update(c);
      chunks.push(c);
      onChunk?.(c.length);
    };
    const onEnd = (): void => {
      stop();
      resolve({ body: Buffer.concat(chunks, size), sha256: hash.digest('hex') });
    };
    const onError = (e: Error): void => {
      stop();
      reject(e);
    };
    const stop = (): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
    };
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** A response as written on the wire: status, headers (exact `content-length` included) and payload. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  payload: Buffer | string;
}

/**
 * A service's answer as it goes on the wire: `x-amzn-requestid` and the CORS headers
 * on every response, JSON bodies serialised (with a JSON content type unless the
 * service set one), and an exact `content-length`.
 */
export function wireResponse(requestId: string, out: GatewayResponse): WireResponse {
  const headers: Record<string, string> = { 'x-amzn-requestid': requestId, ...CORS_RESPONSE_HEADERS, ...(out.headers ?? {}) };
  let payload: Buffer | string = '';
  if (Buffer.isBuffer(out.body) || typeof out.body === 'string') payload = out.body;
  else if (out.body !== undefined) {
    payload = JSON.stringify(out.body);
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
  }
  // a 304 has no content; its length would be the 200's, so none is sent (RFC 9110 §8.6).
  // An answer to HEAD carries no content but may state the length a GET would have
  // (RFC 9110 §9.3.2): a service's own length is kept when it sends no payload.
  const headAnswer = Buffer.byteLength(payload) === 0 && hasHeader(headers, 'content-length');
  if (out.status !== 304 && !headAnswer) headers['content-length'] = String(Buffer.byteLength(payload));
  return { status: out.status, headers, payload };
}

/** Writes a service's answer ({@link wireResponse}). A response already started is left alone. */
export function sendResponse(res: ServerResponse, requestId: string, out: GatewayResponse): void {
  if (res.headersSent) return;
  const w = wireResponse(requestId, out);
  res.writeHead(w.status, w.headers);
  res.end(w.payload);
}

function hasHeader(h: Record<string, string>, name: string): boolean {
  return Object.keys(h).some((k) => k.toLowerCase() === name);
}

/**
 * The URL clients use: a wildcard bind address is reached on loopback, and an IPv6
 * host is bracketed (RFC 3986 §3.2.2).
 */
export function gatewayUrl(host: string | undefined, port: number, scheme: 'http' | 'https' = 'http'): string {
  const h = host === undefined || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `${scheme}://${h.includes(':') ? `[${h}]` : h}:${port}`;
}
