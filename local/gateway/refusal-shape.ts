import type { IncomingMessage } from 'node:http';
import type { GatewayResponse, GatewayService } from '../ports';
import type { RequestTarget } from './http-io';
import { headerValue } from './sigv4-signature-parts';

/** Finds the services a refusal may be addressed to. */
export interface RefusalRouting {
  serviceFor(signingName: string): GatewayService | undefined;
  /** the service that claims an unsigned request's path (GatewayService.claimsUnsigned) */
  unsignedClaimantFor?(method: string, rawPath: string): GatewayService | undefined;
}

/** A request refused by the gateway itself, before its service answered. */
export interface RefusedRequest {
  req: Pick<IncomingMessage, 'method' | 'headers'>;
  target: RequestTarget;
  requestId: string;
}

/** Signed in the query string: no `Authorization` header, an `X-Amz-Signature` or `X-Amz-Credential` parameter. */
function isPresigned(r: RefusedRequest): boolean {
  return r.req.headers.authorization === undefined && /(^|&)X-Amz-(Signature|Credential)=/i.test(r.target.rawQuery);
}

/**
 * Signed with AWS Signature Version 2, which S3 alone ever took: an `Authorization: AWS
 * key:signature` header, or a presigned URL's `AWSAccessKeyId` and `Signature` (what the
 * AWS CLI v1's `aws s3 presign` writes unless `s3.signature_version = s3v4`).
 */
function isSigV2(r: RefusedRequest): boolean {
  const auth = headerValue(r.req.headers, 'authorization');
  if (auth !== undefined) return /^AWS [^:\s]+:/.test(auth);
  const q = new URLSearchParams(r.target.rawQuery);
  return q.has('AWSAccessKeyId') && q.has('Signature');
}

/**
 * The service a request is addressed to as far as its head tells, whether or not its
 * signature is good: the signing name of its credential scope (header or presigned
 * query), or, for a request with no SigV4 signature at all (none, or SigV2), a service
 * that claims its path.
 */
export function addressedService(r: RefusedRequest, routing: RefusalRouting): GatewayService | undefined {
  const auth = headerValue(r.req.headers, 'authorization');
  const credential = auth !== undefined ? /Credential=([^,\s]+)/.exec(auth)?.[1] : new URLSearchParams(r.target.rawQuery).get('X-Amz-Credential');
  // `{key}/{date}/{region}/{service}/aws4_request`
  const name = credential?.split('/')[3];
  if (name !== undefined) return routing.serviceFor(name);
  if ((auth !== undefined && !isSigV2(r)) || isPresigned(r)) return undefined;
  return routing.unsignedClaimantFor?.(r.req.method ?? 'GET', r.target.rawPath);
}

/**
 * A refusal of the gateway's (AWS's JSON shape, aws-error.ts) in the error shape of the
 * service it was addressed to, when that service has one of its own (S3's XML).
 */
export function shapedRefusal(response: GatewayResponse, service: GatewayService | undefined, r: RefusedRequest): GatewayResponse {
  const errorType = response.headers?.['x-amzn-errortype'];
  if (service?.shapeRefusal === undefined || errorType === undefined) return response;
  const body = response.body as { message?: unknown } | undefined;
  return service.shapeRefusal({
    status: response.status,
    errorType,
    message: typeof body?.message === 'string' ? body.message : '',
    method: r.req.method ?? 'GET',
    rawPath: r.target.rawPath,
    requestId: r.requestId,
    presigned: isPresigned(r),
    sigV2: isSigV2(r),
  });
}
