import { randomBytes } from 'node:crypto';
import type { GatewayRefusal, GatewayResponse } from '../ports';
import { el, XML_CONTENT_TYPE, XML_DECLARATION, XmlRaw } from './s3-xml';

/**
 * S3's errors: an HTTP status and an XML `<Error>` document with `Code`, `Message`,
 * `Resource`, `RequestId` (and a few codes' own fields, such as `Key` or `BucketName`),
 * per https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html. A HEAD
 * answer carries no body: clients read its status alone.
 */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** fields of the code's own, written after `Message` (`Key`, `BucketName`, `MaxSizeAllowed`…) */
    readonly fields: Readonly<Record<string, string>> = {},
    /** headers the error answer carries (a 416's `Content-Range`) */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** `x-amz-id-2`: S3's extended request id (opaque; random here). */
export function hostId(): string {
  return randomBytes(24).toString('base64');
}

/** Headers every S3 answer carries: its request ids, and the response headers a browser page may read. */
export function s3ResponseHeaders(requestId: string): Record<string, string> {
  return {
    'x-amz-request-id': requestId,
    'x-amz-id-2': hostId(),
    'access-control-expose-headers':
      'etag, x-amz-request-id, x-amz-id-2, content-range, content-length, content-type, last-modified, cache-control, x-amz-checksum-crc32, x-amz-checksum-crc32c, x-amz-checksum-crc64nvme, x-amz-checksum-sha1, x-amz-checksum-sha256',
  };
}

/** The answer to a failed request: the `<Error>` document (no body for HEAD). */
export function errorResponse(e: S3Error, r: { method: string; resource: string; requestId: string }): GatewayResponse {
  const headers = { ...s3ResponseHeaders(r.requestId), ...e.headers };
  if (r.method === 'HEAD') return { status: e.status, headers };
  const fields = Object.entries(e.fields).map(([k, v]) => el(k, v));
  const inner = [el('Code', e.code), el('Message', e.message), ...fields, el('Resource', r.resource), el('RequestId', r.requestId), el('HostId', headers['x-amz-id-2'] ?? '')];
  const body = `${XML_DECLARATION}${el('Error', new XmlRaw(inner.join('')))}`;
  return { status: e.status, headers: { ...headers, 'content-type': XML_CONTENT_TYPE }, body };
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

/** The S3 error for a SigV4 check that failed with `InvalidSignatureException`, by what failed. */
function signatureError(r: GatewayRefusal): S3Error {
  const m = r.message;
  if (m.startsWith('Signature expired')) {
    if (r.presigned) return new S3Error(403, 'AccessDenied', 'Request has expired');
    return new S3Error(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
  }
  if (m.startsWith('Signature not yet current')) return new S3Error(403, 'AccessDenied', 'Request is not valid yet');
  if (m.startsWith('Credential should be scoped') || m.startsWith('Date in Credential') || m.startsWith('Invalid X-Amz-Date')) {
    return new S3Error(400, r.presigned ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed', m);
  }
  if (m.startsWith('The request signature we calculated')) return new S3Error(403, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH);
  return new S3Error(403, 'AccessDenied', m);
}

/**
 * The gateway's refusals (AWS's JSON exception types, aws-error.ts) as S3 answers them:
 * an unsigned request is `AccessDenied`, a wrong signature `SignatureDoesNotMatch`, an
 * expired presigned URL `AccessDenied` "Request has expired", an unknown key
 * `InvalidAccessKeyId`, a body over the limit `EntityTooLarge`, an IAM denial `AccessDenied`;
 * a Signature Version 2 request (header or presigned URL) is 400 `InvalidRequest`, as S3
 * answers it where SigV2 is turned off (buckets created since June 2020, newer regions).
 */
export function s3ErrorOfRefusal(r: GatewayRefusal): S3Error {
  if (r.sigV2) return new S3Error(400, 'InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
  switch (r.errorType) {
    case 'MissingAuthenticationTokenException':
      return new S3Error(403, 'AccessDenied', 'Access Denied');
    case 'IncompleteSignatureException':
      return new S3Error(400, r.presigned ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed', r.message);
    case 'UnrecognizedClientException':
      return new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    case 'InvalidSignatureException':
      return signatureError(r);
    case 'ExpiredTokenException':
      return new S3Error(400, 'ExpiredToken', 'The provided token has expired.');
    case 'RequestEntityTooLargeException':
      return new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
    case 'AccessDenied':
    case 'AccessDeniedException':
      return new S3Error(403, 'AccessDenied', r.message);
    default:
      return new S3Error(r.status, r.errorType, r.message);
  }
}
