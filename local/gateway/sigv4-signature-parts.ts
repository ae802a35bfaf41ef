import type { IncomingHttpHeaders } from 'node:http';
import type { SigV4Result } from './sigv4';

/**
 * The parts of a SigV4 signature as a request carries them: the `Authorization`
 * header form or the presigned query-string form, per
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 * (and the presigned form, https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html).
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** Like encodeURIComponent, plus the RFC 3986 reserved `!'()*` (SigV4 "UriEncode"). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A refusal with the exception type AWS answers. */
export type SigV4Rejection = Extract<SigV4Result, { ok: false }>;

/** The signature parts, as parsed from the header or the query. */
export interface ParsedAuth {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  expiresSeconds?: number;
  presigned: boolean;
}

/** A header as one string (repeated headers joined with `,`). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

function parseCredential(cred: string): { accessKeyId: string; date: string; region: string; service: string } | null {
  const parts = cred.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') return null;
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  if (!accessKeyId || !/^\d{8}$/.test(date) || !region || !service) return null;
  return { accessKeyId, date, region, service };
}

export function incomplete(what: string): SigV4Rejection {
  return {
    ok: false,
    errorType: 'IncompleteSignatureException',
    message: `Authorization is incomplete or malformed: ${what}`,
  };
}

export function invalid(message: string): SigV4Rejection {
  return { ok: false, errorType: 'InvalidSignatureException', message };
}

/** The signature parts, from the `Authorization` header or else the presigned query. */
export function parseAuth(headers: IncomingHttpHeaders, pairs: Array<[string, string]>): ParsedAuth | SigV4Rejection {
  const auth = headerValue(headers, 'authorization');
  const q = new Map(pairs);
  if (auth === undefined && !q.has('X-Amz-Signature')) {
    return { ok: false, errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  }
  return auth !== undefined ? parseAuthorizationHeader(auth, headers) : parsePresignedQuery(q);
}

/** `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` plus `X-Amz-Date`. */
function parseAuthorizationHeader(auth: string, headers: IncomingHttpHeaders): ParsedAuth | SigV4Rejection {
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/s.exec(auth.trim());
  if (!m?.[1]) return incomplete('only AWS4-HMAC-SHA256 is supported');
  const fields = new Map<string, string>();
  for (const kv of m[1].split(',')) {
    const eq = kv.indexOf('=');
    if (eq > 0) fields.set(kv.slice(0, eq).trim(), kv.slice(eq + 1).trim());
  }
  const cred = parseCredential(fields.get('Credential') ?? '');
  const sh = fields.get('SignedHeaders');
  const sig = fields.get('Signature');
  const amzDate = headerValue(headers, 'x-amz-date') ?? headerValue(headers, 'date');
  if (!cred) return incomplete('Credential');
  if (!sh || !sig) return incomplete('SignedHeaders/Signature');
  if (!amzDate) return incomplete('X-Amz-Date header');
  return { ...cred, signedHeaders: sh.split(';'), signature: sig, amzDate, presigned: false };
}

/** The presigned form: `X-Amz-Algorithm`, `-Credential`, `-SignedHeaders`, `-Date`, `-Expires` (≤ 7 days). */
function parsePresignedQuery(q: Map<string, string>): ParsedAuth | SigV4Rejection {
  if (q.get('X-Amz-Algorithm') !== ALGORITHM) return incomplete('X-Amz-Algorithm');
  const cred = parseCredential(q.get('X-Amz-Credential') ?? '');
  const sh = q.get('X-Amz-SignedHeaders');
  const amzDate = q.get('X-Amz-Date');
  const expires = Number(q.get('X-Amz-Expires') ?? '');
  if (!cred || !sh || !amzDate) return incomplete('presigned query parameters');
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_SECONDS) return incomplete('X-Amz-Expires');
  return {
    ...cred,
    signedHeaders: sh.split(';'),
    signature: q.get('X-Amz-Signature') ?? '',
    amzDate,
    expiresSeconds: expires,
    presigned: true,
  };
}

/** `X-Amz-Date` (ISO 8601 basic) or an HTTP `Date`. */
export function parseAmzDate(s: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

