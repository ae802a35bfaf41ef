import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Server-side AWS Signature Version 4 verification, per
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 * (canonical request → string to sign → HMAC chain). Both the `Authorization`
 * header form and the presigned query-string form are accepted.
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** AWS rejects requests whose X-Amz-Date is more than 15 minutes off the server clock. */
export const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export interface SigV4Input {
  method: string;
  /** raw request target path, still percent-encoded as sent, without the query */
  rawPath: string;
  /** raw query string without the leading '?' */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export type SigV4Failure =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException';

export type SigV4Result =
  | { ok: true; accessKeyId: string; region: string; service: string; signedAt: Date }
  | { ok: false; errorType: SigV4Failure; message: string };

interface ParsedAuth {
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

/** Like encodeURIComponent, plus the RFC 3986 reserved `!'()*` (SigV4 "UriEncode"). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Splits a raw query string into decoded [key, value] pairs. */
export function parseRawQuery(rawQuery: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    out.push([safeDecode(k), safeDecode(v)]);
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Canonical URI for every service but S3: normalise `.`/`..` and empty segments,
 * then URI-encode the (already encoded) path once more, keeping `/`.
 */
export function canonicalPath(rawPath: string): string {
  const segs: string[] = [];
  for (const s of rawPath.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segs.pop();
    else segs.push(s);
  }
  const trailing = segs.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return `/${segs.map(uriEncode).join('/')}${trailing}`;
}

/** Canonical query: encoded pairs sorted by key then value, X-Amz-Signature left out. */
export function canonicalQuery(pairs: Array<[string, string]>): string {
  return pairs
    .filter(([k]) => k.toLowerCase() !== 'x-amz-signature')
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
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

type SigV4Rejection = Extract<SigV4Result, { ok: false }>;

function incomplete(what: string): SigV4Rejection {
  return {
    ok: false,
    errorType: 'IncompleteSignatureException',
    message: `Authorization is incomplete or malformed: ${what}`,
  };
}

function invalid(message: string): SigV4Rejection {
  return { ok: false, errorType: 'InvalidSignatureException', message };
}

/** The signature parts, from the `Authorization` header or else the presigned query. */
function parseAuth(input: SigV4Input, pairs: Array<[string, string]>): ParsedAuth | SigV4Rejection {
  const auth = headerValue(input.headers, 'authorization');
  const q = new Map(pairs);
  if (auth === undefined && !q.has('X-Amz-Signature')) {
    return { ok: false, errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  }
  return auth !== undefined ? parseAuthorizationHeader(auth, input.headers) : parsePresignedQuery(q);
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

function parseAmzDate(s: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Derived signing keys by secret/date/region/service (few distinct ones; bounded anyway). */
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 256;

/**
 * kSigning = HMAC chain over date, region, service and "aws4_request". It only changes
 * with the scope, so it is derived once per scope, as the IAM guide suggests clients do
 * ("you can reuse the signing key … for the date, Region and service", create-signed-request.html).
 */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${secret}\n${date}\n${region}\n${service}`;
  let key = signingKeys.get(id);
  if (key === undefined) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

/**
 * Verifies a request's SigV4 signature against `lookup(accessKeyId)`. `region`,
 * when given, must match the credential scope (AWS: "Credential should be scoped
 * to a valid region").
 */
export function verifySigV4(
  input: SigV4Input,
  lookup: (accessKeyId: string) => SigV4Credentials | undefined,
  opts: { region?: string; now?: number } = {},
): SigV4Result {
  const pairs = parseRawQuery(input.rawQuery);
  const parsed = parseAuth(input, pairs);
  if ('ok' in parsed) return parsed;
  const creds = lookup(parsed.accessKeyId);
  if (!creds) {
    return {
      ok: false,
      errorType: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  }
  const signedAt = checkScopeAndClock(parsed, opts.region, opts.now ?? Date.now());
  if (!(signedAt instanceof Date)) return signedAt;
  const canonical = canonicalRequest(input, parsed, pairs);
  if (typeof canonical !== 'string') return canonical;
  if (!signatureMatches(creds, parsed, canonical)) {
    return invalid(
      'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return { ok: true, accessKeyId: parsed.accessKeyId, region: parsed.region, service: parsed.service, signedAt };
}

/**
 * The signing time, once the scope's region and date agree with the request and the
 * clock: within 15 minutes either way, or before a presigned URL's expiry.
 */
function checkScopeAndClock(parsed: ParsedAuth, region: string | undefined, now: number): Date | SigV4Rejection {
  if (region !== undefined && parsed.region !== region) {
    return invalid(`Credential should be scoped to a valid region, not '${parsed.region}'.`);
  }
  const signedAt = parseAmzDate(parsed.amzDate);
  if (!signedAt) return invalid(`Invalid X-Amz-Date '${parsed.amzDate}'`);
  if (/^\d{8}T/.test(parsed.amzDate) && parsed.amzDate.slice(0, 8) !== parsed.date) {
    return invalid(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${parsed.date}'`,
    );
  }
  if (parsed.presigned) {
    if (now > signedAt.getTime() + (parsed.expiresSeconds ?? 0) * 1000) return invalid('Signature expired');
    if (signedAt.getTime() - now > MAX_SKEW_MS) return invalid('Signature not yet current');
  } else if (Math.abs(now - signedAt.getTime()) > MAX_SKEW_MS) {
    return invalid(
      `Signature expired: ${parsed.amzDate} is now earlier than ${stamp(now - MAX_SKEW_MS)} (${stamp(now)} - 15 min.)`,
    );
  }
  return signedAt;
}

/**
 * The canonical request (method, path, query, signed headers, payload hash). `host`
 * must be signed; a declared `x-amz-content-sha256` must be the body's hash or
 * `UNSIGNED-PAYLOAD`.
 */
function canonicalRequest(input: SigV4Input, parsed: ParsedAuth, pairs: Array<[string, string]>): string | SigV4Rejection {
  if (!parsed.signedHeaders.includes('host')) return invalid("'Host' must be a signed header");
  const canonicalHeaders: string[] = [];
  for (const name of parsed.signedHeaders) {
    const v = headerValue(input.headers, name);
    if (v === undefined) return invalid(`signed header '${name}' is missing`);
    canonicalHeaders.push(`${name}:${v.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').trim()}`);
  }
  const bodyHash = createHash('sha256').update(input.body).digest('hex');
  const declared = headerValue(input.headers, 'x-amz-content-sha256');
  if (declared !== undefined && declared !== UNSIGNED_PAYLOAD && declared !== bodyHash) {
    return invalid('The provided x-amz-content-sha256 header does not match what was computed.');
  }
  return [
    input.method.toUpperCase(),
    canonicalPath(input.rawPath),
    canonicalQuery(pairs),
    `${canonicalHeaders.join('\n')}\n`,
    parsed.signedHeaders.join(';'),
    declared ?? bodyHash,
  ].join('\n');
}

/** String to sign → HMAC with the derived key, compared in constant time. */
function signatureMatches(creds: SigV4Credentials, parsed: ParsedAuth, canonical: string): boolean {
  const scope = `${parsed.date}/${parsed.region}/${parsed.service}/aws4_request`;
  const stringToSign = [
    ALGORITHM,
    parsed.amzDate,
    scope,
    createHash('sha256').update(canonical, 'utf8').digest('hex'),
  ].join('\n');
  const expected = hmac(signingKey(creds.secretAccessKey, parsed.date, parsed.region, parsed.service), stringToSign);
  const given = /^[0-9a-f]{64}$/.test(parsed.signature) ? Buffer.from(parsed.signature, 'hex') : Buffer.alloc(0);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}
