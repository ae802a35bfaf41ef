import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** Temporary (or long-term) AWS credentials, as the SDK's providers return them. */
export interface DisplayCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Service name in the credential scope of AWS IoT's WebSocket URLs. */
export const IOT_WS_SERVICE = 'iotdevicegateway';

/** RFC 3986 encoding, as SigV4 canonicalizes query strings. */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The MQTT-over-WebSocket URL a browser opens to AWS IoT Core: a SigV4 presigned GET of
 * `/mqtt` for service `iotdevicegateway`. With temporary credentials the session token is
 * appended after signing, not signed, as IoT Core expects
 * (https://docs.aws.amazon.com/iot/latest/developerguide/protocols.html#mqtt-ws).
 *
 * @example
 * const url = await presignMqttUrl('wss://abc-ats.iot.us-east-1.amazonaws.com/mqtt', 'us-east-1', creds);
 */
export async function presignMqttUrl(
  endpoint: string,
  region: string,
  credentials: DisplayCredentials,
  opts: { expiresInS?: number; now?: Date } = {},
): Promise<string> {
  const url = new URL(endpoint);
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new RangeError(`an MQTT WebSocket endpoint is ws:// or wss://, got ${url.protocol}`);
  // only the key pair signs: the token must stay out of the canonical request
  const signer = new SignatureV4({
    service: IOT_WS_SERVICE,
    region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    sha256: Sha256,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      headers: { host: url.host },
      query: {},
    },
    { expiresIn: opts.expiresInS ?? 300, ...(opts.now ? { signingDate: opts.now } : {}) },
  );
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(signed.query ?? {})) if (typeof v === 'string') pairs.push(`${rfc3986(k)}=${rfc3986(v)}`);
  if (credentials.sessionToken) pairs.push(`X-Amz-Security-Token=${rfc3986(credentials.sessionToken)}`);
  return `${url.protocol}//${url.host}${url.pathname}?${pairs.join('&')}`;
}

/** SigV4 query parameters of a presigned URL (dropped before signing it again). */
const SIGV4_QUERY = /^X-Amz-(Algorithm|Credential|Date|Expires|SignedHeaders|Signature|Security-Token|Content-Sha256)$/i;

/**
 * The same S3 GET, presigned again with the display's own credentials: for an avatar whose
 * URL in the shadow no longer works (a presigned URL past its time). The URL's address
 * (path-style locally, virtual-hosted on AWS) and the region of its credential scope are
 * kept; S3 presigned URLs sign only `host` and an `UNSIGNED-PAYLOAD`, and carry the
 * session token signed (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html).
 * Undefined when the URL is not an S3 presigned URL.
 *
 * @example
 * const again = await presignS3Get(desired.avatar.url, await session.credentials());
 */
export async function presignS3Get(presigned: string, credentials: DisplayCredentials, opts: { expiresInS?: number; now?: Date } = {}): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(presigned);
  } catch {
    return undefined;
  }
  const scope = /^[^/]+\/\d{8}\/([^/]+)\/s3\/aws4_request$/.exec(url.searchParams.get('X-Amz-Credential') ?? '');
  if (!scope?.[1] || (url.protocol !== 'http:' && url.protocol !== 'https:')) return undefined;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!SIGV4_QUERY.test(k)) query[k] = v;
  const signer = new SignatureV4({ service: 's3', region: scope[1], credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: decodeURIComponent(url.pathname),
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      query,
    },
    { expiresIn: opts.expiresInS ?? 900, ...(opts.now ? { signingDate: opts.now } : {}) },
  );
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(signed.query ?? {})) if (typeof v === 'string') pairs.push(`${rfc3986(k)}=${rfc3986(v)}`);
  return `${url.protocol}//${url.host}${url.pathname}?${pairs.join('&')}`;
}
