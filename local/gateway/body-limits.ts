import type { IncomingHttpHeaders } from 'node:http';

/** Largest request body the gateway reads for any service (a signing name not listed below). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Largest body per signing name: the largest request each service's operations can
 * carry, with room for the JSON envelope and escaping, never above {@link MAX_BODY_BYTES}.
 */
export const BODY_LIMITS: Readonly<Record<string, number>> = {
  // IoT control plane: the largest input field is CreatePolicy's policyDocument,
  // "Maximum length of 404600" (https://docs.aws.amazon.com/iot/latest/apireference/API_CreatePolicy.html);
  // certificate PEMs are ≤ 65536 (API_RegisterCACertificate.html). 1 MiB covers JSON escaping.
  iot: 1024 * 1024,
  // IoT data plane: Publish payloads are ≤ 128 KB ("Message size", https://docs.aws.amazon.com/general/latest/gr/iot-core.html);
  // an UpdateThingShadow state document is ≤ 8 KB (diagnosing-shadows.html) and is checked by the shadow
  // service itself (whitespace and metadata do not count), so the Publish limit bounds both.
  iotdata: 128 * 1024,
  // Timestream: WriteRecords carries ≤ 100 records, each ≤ 128 dimensions and ≤ 256 measures
  // with ≤ 2 KB of names and values (https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html);
  // the JSON envelope of that is a few MB at most; a query string is ≤ 256 KiB.
  timestream: 4 * 1024 * 1024,
  // Cognito Identity is reached unsigned (GetId, GetCredentialsForIdentity): its bodies are an id or
  // two (≤ 55 characters each); `Logins` tokens (≤ 50,000 characters, API_GetId.html) are refused
  // anyway, the local pool having no identity providers. 64 KiB bounds what a stranger can make it read.
  'cognito-identity': 64 * 1024,
  // Lambda Invoke: a synchronous payload is ≤ 6 MB, an asynchronous one ≤ 1 MB (API_Invoke.html);
  // the service answers RequestTooLargeException past them, so a little more is read.
  lambda: 6 * 1024 * 1024 + 64 * 1024,
  // S3: a PutObject body is the object (local/s3 stores up to MAX_OBJECT_BYTES, 8 MiB, and answers
  // EntityTooLarge past it), plus the framing of aws-chunked uploads; the gateway's maximum bounds it.
  s3: MAX_BODY_BYTES,
};

/** The body limit for a signing name, capped by the gateway's overall maximum. */
export function bodyLimitFor(signingName: string, overallMax: number = MAX_BODY_BYTES): number {
  return Math.min(BODY_LIMITS[signingName] ?? overallMax, overallMax);
}

/**
 * The declared `Content-Length`, or undefined when there is none (chunked transfer
 * coding, RFC 9112 §6.1): such a body is bounded while it streams instead. Node's
 * parser has already refused a malformed or doubled length with 400.
 */
export function declaredLength(headers: IncomingHttpHeaders): number | undefined {
  const v = headers['content-length'];
  if (v === undefined || headers['transfer-encoding'] !== undefined) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
