import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  ALGORITHM,
  headerValue,
  invalid,
  type ParsedAuth,
  parseAmzDate,
  parseAuth,
  type SigV4Rejection,
  uriEncode,
} from './sigv4-signature-parts';
import { S3_SIGNING_NAME, S3_STREAMING_PAYLOADS, s3CanonicalPath, s3DeclaredPayloadHash } from './sigv4-s3';

export { ALGORITHM, uriEncode } from './sigv4-signature-parts';

/**
 * Server-side AWS Signature Version 4 verification, per
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 * (canonical request → string to sign → HMAC chain). Both the `Authorization`
 * header form and the presigned query-string form are accepted.
 */

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** AWS rejects requests whose X-Amz-Date is more than 15 minutes off the server clock. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

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
  | 'InvalidSignatureException'
  | 'XAmzContentSHA256Mismatch';

export type SigV4Result =
  | { ok: true; accessKeyId: string; region: string; service: string; signedAt: Date }
  | { ok: false; errorType: SigV4Failure; message: string };

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

/** A request as far as it is known before its body: everything SigV4 signs but the payload. */
export type SigV4Head = Omit<SigV4Input, 'body'>;

type SigV4Accepted = Extract<SigV4Result, { ok: true }>;

/**
 * A request whose signature parts, access key, scope, clock and signed headers were
 * checked from its head alone; only the payload hash (and with it the signature) is
 * left. Made by {@link beginSigV4}, completed by {@link finishSigV4}.
 */
export interface SigV4Pending {
  readonly accepted: SigV4Accepted;
  /** `x-amz-content-sha256` as sent (a hex hash, `UNSIGNED-PAYLOAD`, an S3 streaming marker; for S3 presigned URLs their query value or `UNSIGNED-PAYLOAD`), when present */
  readonly declaredPayloadHash: string | undefined;
  readonly creds: SigV4Credentials;
  readonly parsed: ParsedAuth;
  /** the canonical request up to (not including) the hashed-payload line */
  readonly canonicalHead: string;
}

/**
 * The checks that need no body, in the order {@link verifySigV4} makes them: the
 * signature parts are there (400/403), the key is known, the scope's region and date
 * and the clock agree, and every signed header is present.
 */
export function beginSigV4(
  head: SigV4Head,
  lookup: (accessKeyId: string) => SigV4Credentials | undefined,
  opts: { region?: string; now?: number } = {},
): { ok: true; pending: SigV4Pending } | SigV4Rejection {
  const pairs = parseRawQuery(head.rawQuery);
  const parsed = parseAuth(head.headers, pairs);
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
  const canonicalHead = canonicalRequestHead(head, parsed, pairs);
  if (typeof canonicalHead !== 'string') return canonicalHead;
  const accepted: SigV4Accepted = {
    ok: true,
    accessKeyId: parsed.accessKeyId,
    region: parsed.region,
    service: parsed.service,
    signedAt,
  };
  const declaredPayloadHash =
    parsed.service === S3_SIGNING_NAME
      ? s3DeclaredPayloadHash(parsed.presigned, head.headers, new Map(pairs))
      : headerValue(head.headers, 'x-amz-content-sha256');
  return { ok: true, pending: { accepted, declaredPayloadHash, creds, parsed, canonicalHead } };
}

/**
 * Completes a pending verification with the SHA-256 (hex) of the body as read: a
 * declared `x-amz-content-sha256` must be that hash or `UNSIGNED-PAYLOAD`, then the
 * signature must match. A mismatched declared hash is answered as S3 does for S3
 * (`XAmzContentSHA256Mismatch`, https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html)
 * and as a signature mismatch elsewhere: for other services the hash is only the last
 * line of the canonical request (IAM guide, create-signed-request.html, "HashedPayload").
 * S3's streaming markers (sigv4-s3.ts) are signed as they are; the S3 service checks
 * the chunks they announce.
 */
export function finishSigV4(pending: SigV4Pending, bodySha256Hex: string): SigV4Result {
  const declared = pending.declaredPayloadHash;
  const s3Streaming = pending.parsed.service === S3_SIGNING_NAME && declared !== undefined && S3_STREAMING_PAYLOADS.has(declared);
  if (declared !== undefined && declared !== UNSIGNED_PAYLOAD && declared !== bodySha256Hex && !s3Streaming) {
    const message = 'The provided x-amz-content-sha256 header does not match what was computed.';
    if (pending.parsed.service === 's3') return { ok: false, errorType: 'XAmzContentSHA256Mismatch', message };
    return invalid(message);
  }
  // the canonical request ends in the declared hash whenever one was sent: checked once before the body
  if (declared !== undefined && matchedBeforeBody.has(pending)) return pending.accepted;
  return checkSignature(pending, declared ?? bodySha256Hex);
}

/** Pending verifications whose signature already matched over their declared payload hash. */
const matchedBeforeBody = new WeakSet<SigV4Pending>();

/**
 * The signature compared over the canonical request ending in `payloadHash`. With a
 * declared `x-amz-content-sha256` this can run before the body is read: the client
 * signed that value, so a wrong signature is refused without reading a byte.
 */
export function checkSignature(pending: SigV4Pending, payloadHash: string): SigV4Result {
  if (!signatureMatches(pending.creds, pending.parsed, `${pending.canonicalHead}\n${payloadHash}`)) {
    return invalid(
      'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  if (payloadHash === pending.declaredPayloadHash) matchedBeforeBody.add(pending);
  return pending.accepted;
}

/**
 * Verifies a request's SigV4 signature against `lookup(accessKeyId)`. `region`,
 * when given, must match the credential scope (AWS: "Credential should be scoped
 * to a valid region"). The same checks as {@link beginSigV4} then {@link finishSigV4}.
 */
export function verifySigV4(
  input: SigV4Input,
  lookup: (accessKeyId: string) => SigV4Credentials | undefined,
  opts: { region?: string; now?: number } = {},
): SigV4Result {
  const begun = beginSigV4(input, lookup, opts);
  if (!begun.ok) return begun;
  return finishSigV4(begun.pending, createHash('sha256').update(input.body).digest('hex'));
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
 * The canonical request without its last line (the payload hash): method, path,
 * query, signed headers. `host` must be signed and every signed header present.
 */
function canonicalRequestHead(head: SigV4Head, parsed: ParsedAuth, pairs: Array<[string, string]>): string | SigV4Rejection {
  if (!parsed.signedHeaders.includes('host')) return invalid("'Host' must be a signed header");
  const canonicalHeaders: string[] = [];
  for (const name of parsed.signedHeaders) {
    const v = headerValue(head.headers, name);
    if (v === undefined) return invalid(`signed header '${name}' is missing`);
    canonicalHeaders.push(`${name}:${v.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').trim()}`);
  }
  return [
    head.method.toUpperCase(),
    parsed.service === S3_SIGNING_NAME ? s3CanonicalPath(head.rawPath) : canonicalPath(head.rawPath),
    canonicalQuery(pairs),
    `${canonicalHeaders.join('\n')}\n`,
    parsed.signedHeaders.join(';'),
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
