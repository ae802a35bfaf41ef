import type { IncomingHttpHeaders } from 'node:http';
import { headerValue, uriEncode } from './sigv4-signature-parts';

/**
 * What SigV4 does differently for Amazon S3
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html):
 * the canonical URI is not normalised and not encoded twice, the payload hash may be
 * one of the streaming markers below, and a presigned URL signs `UNSIGNED-PAYLOAD`
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html).
 */

/** S3's signing name (the credential scope's service). */
export const S3_SIGNING_NAME = 's3';

/**
 * `x-amz-content-sha256` values that stand for a body sent in `aws-chunked` encoding
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html): the body's
 * hash is not the value signed, so the gateway does not compare it; the S3 service
 * decodes the chunks and checks their trailing checksum (or refuses signed chunks).
 */
export const S3_STREAMING_PAYLOADS: ReadonlySet<string> = new Set([
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
]);

/**
 * S3's canonical URI: every segment of the path as sent, decoded and encoded once with
 * UriEncode; empty, `.` and `..` segments are kept (they are part of an object key).
 * A segment whose percent-encoding is broken is kept as sent (its signature then fails).
 */
export function s3CanonicalPath(rawPath: string): string {
  return rawPath
    .split('/')
    .map((seg) => {
      try {
        return uriEncode(decodeURIComponent(seg));
      } catch {
        return seg;
      }
    })
    .join('/');
}

/**
 * The payload hash an S3 request signed: a presigned URL's `X-Amz-Content-Sha256`
 * query parameter or else `UNSIGNED-PAYLOAD`; the `x-amz-content-sha256` header of a
 * header-signed request (undefined when absent: the body's own hash is then used).
 */
export function s3DeclaredPayloadHash(presigned: boolean, headers: IncomingHttpHeaders, query: ReadonlyMap<string, string>): string | undefined {
  if (presigned) return query.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
  return headerValue(headers, 'x-amz-content-sha256');
}
