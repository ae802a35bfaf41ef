import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalQuery, signingKey, uriEncode } from '../gateway/sigv4';

/** Service name in the credential scope of AWS IoT WebSocket URLs. */
export const IOT_WS_SERVICE = 'iotdevicegateway';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** Clock skew SigV4 tolerates when the URL carries no X-Amz-Expires. */
const MAX_SKEW_MS = 15 * 60 * 1000;

export type PresignCheck = { ok: true; accessKeyId: string } | { ok: false; reason: string };

/** A key a URL may be signed with; temporary ones carry their session token and expiry (epoch ms). */
export interface WsCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiresAt?: number;
}

/**
 * Verifies an AWS IoT WebSocket URL presigned with SigV4 query parameters
 * (https://docs.aws.amazon.com/iot/latest/developerguide/protocols.html#mqtt-ws and
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
 * AWS IoT's own clients append `X-Amz-Security-Token` after signing, while generic
 * SigV4 presigners sign it, so both canonical forms are accepted; likewise the
 * payload hash may be the empty-body hash or `UNSIGNED-PAYLOAD`. `credentials` is one key
 * or a lookup by access key id; a temporary key (with a session token) is accepted only
 * with its `X-Amz-Security-Token` and before it expires.
 */
export function verifyPresignedUrl(
  input: { method: string; path: string; query: URLSearchParams; headers: Readonly<Record<string, string | string[] | undefined>> },
  credentials: WsCredential | ((accessKeyId: string) => WsCredential | undefined),
  expected: { region: string },
  now = Date.now(),
): PresignCheck {
  const q = input.query;
  const algorithm = q.get('X-Amz-Algorithm');
  const credential = q.get('X-Amz-Credential');
  const amzDate = q.get('X-Amz-Date');
  const signedHeaders = q.get('X-Amz-SignedHeaders') ?? 'host';
  const signature = q.get('X-Amz-Signature');
  if (algorithm !== 'AWS4-HMAC-SHA256' || !credential || !amzDate || !signature) {
    return { ok: false, reason: 'missing SigV4 query parameters' };
  }
  const [accessKeyId, date, region, service, terminator, ...rest] = credential.split('/');
  if (rest.length > 0 || terminator !== 'aws4_request' || !date || !region || !service) {
    return { ok: false, reason: 'malformed X-Amz-Credential' };
  }
  const key = typeof credentials === 'function' ? credentials(accessKeyId ?? '') : credentials;
  if (key === undefined || accessKeyId !== key.accessKeyId) return { ok: false, reason: 'unknown access key' };
  const tokenProblem = sessionTokenProblem(key, q.get('X-Amz-Security-Token'), now);
  if (tokenProblem !== undefined) return { ok: false, reason: tokenProblem };
  if (service !== IOT_WS_SERVICE) return { ok: false, reason: `credential scope service must be ${IOT_WS_SERVICE}` };
  if (region !== expected.region) return { ok: false, reason: 'credential scope region mismatch' };
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined || !amzDate.startsWith(date)) return { ok: false, reason: 'malformed X-Amz-Date' };
  const expires = q.get('X-Amz-Expires');
  if (expires !== null) {
    const secs = Number(expires);
    if (!Number.isInteger(secs) || secs < 1 || secs > 604_800) return { ok: false, reason: 'malformed X-Amz-Expires' };
    if (now > signedAt + secs * 1000 || now < signedAt - MAX_SKEW_MS) return { ok: false, reason: 'presigned URL expired' };
  } else if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
    return { ok: false, reason: 'signature date outside the allowed clock skew' };
  }

  // Any request header may be signed (AWS CRT clients sign the WebSocket handshake
  // headers too); `host` must be among them.
  const headerNames = signedHeaders.split(';');
  if (!headerNames.includes('host')) return { ok: false, reason: 'the host header must be signed' };
  let canonicalHeaders = '';
  for (const h of headerNames) {
    const raw = input.headers[h];
    if (raw === undefined) return { ok: false, reason: `signed header ${h} is missing` };
    const value = (Array.isArray(raw) ? raw.join(',') : raw).trim().replace(/\s+/g, ' ');
    canonicalHeaders += `${h}:${value}\n`;
  }

  const scope = `${date}/${region}/${service}/aws4_request`;
  const signing = signingKey(key.secretAccessKey, date, region, service);
  const given = Buffer.from(signature, 'utf8');
  for (const withToken of [true, false]) {
    const query = canonicalQuery([...q].filter(([k]) => withToken || k !== 'X-Amz-Security-Token'));
    for (const payloadHash of [EMPTY_SHA256, 'UNSIGNED-PAYLOAD']) {
      const canonicalRequest = [
        input.method.toUpperCase(),
        canonicalUri(input.path),
        query,
        canonicalHeaders,
        signedHeaders,
        payloadHash,
      ].join('\n');
      const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
      const expectedSig = Buffer.from(createHmac('sha256', signing).update(stringToSign).digest('hex'), 'utf8');
      if (expectedSig.length === given.length && timingSafeEqual(expectedSig, given)) {
        return { ok: true, accessKeyId };
      }
    }
  }
  return { ok: false, reason: 'signature does not match' };
}

/** Why a temporary key's URL is refused (token missing, wrong or expired), or undefined. */
function sessionTokenProblem(key: WsCredential, given: string | null, now: number): string | undefined {
  if (key.sessionToken === undefined) return undefined;
  if (given === null) return 'missing security token';
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(key.sessionToken).digest();
  if (!timingSafeEqual(a, b)) return 'invalid security token';
  if (key.expiresAt !== undefined && now >= key.expiresAt) return 'expired security token';
  return undefined;
}

function canonicalUri(path: string): string {
  return path
    .split('/')
    .map((seg) => uriEncode(safeDecode(seg)))
    .join('/');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** `YYYYMMDDTHHMMSSZ` → epoch ms. */
function parseAmzDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(t) ? undefined : t;
}
