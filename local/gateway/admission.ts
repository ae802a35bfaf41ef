import type { IncomingMessage } from 'node:http';
import type { GatewayResponse, GatewayService } from '../ports';
import { awsError } from './aws-error';
import { bodyLimitFor, declaredLength } from './body-limits';
import type { RequestTarget } from './http-io';
import type { RefusalReason } from './metrics';
import { beginSigV4, checkSignature, type SigV4Credentials, type SigV4Failure, type SigV4Pending } from './sigv4';

/** What admission needs: the one key, the region, who serves which signing name, the overall body cap. */
export interface AdmissionOptions {
  region: string;
  credentials: SigV4Credentials;
  serviceFor(signingName: string): GatewayService | undefined;
  /** overall cap on any body; each signing name may have a lower one (body-limits.ts) */
  maxBodyBytes: number;
}

/** A request that may send its body: the service, the body limit and the signature left to finish. */
export interface Admitted {
  ok: true;
  pending: SigV4Pending;
  service: GatewayService;
  maxBodyBytes: number;
}

/** A request answered from its head alone. */
export interface Refused {
  ok: false;
  reason: RefusalReason;
  response: GatewayResponse;
  /** the error type, for the log */
  errorType: string;
}

/**
 * The checks that need no body, made before a byte of it is read (issue 19.3): the
 * signature's shape, the access key, the credential scope (region, date, clock),
 * the signed headers, the signature itself when the payload hash is declared
 * (`x-amz-content-sha256`, which the SDKs send by default), a signing name some
 * service answers, and the declared `Content-Length` against that service's limit.
 */
export function admitBeforeBody(
  req: Pick<IncomingMessage, 'method' | 'headers'>,
  target: RequestTarget,
  opts: AdmissionOptions,
): Admitted | Refused {
  const lookup = (id: string) => (id === opts.credentials.accessKeyId ? opts.credentials : undefined);
  const head = { method: req.method ?? 'GET', ...target, headers: req.headers };
  const begun = beginSigV4(head, lookup, { region: opts.region });
  if (!begun.ok) return sigV4Refusal(begun.errorType, begun.message);
  const { pending } = begun;
  if (pending.declaredPayloadHash !== undefined) {
    const early = checkSignature(pending, pending.declaredPayloadHash);
    if (!early.ok) return sigV4Refusal(early.errorType, early.message);
  }
  const name = pending.accepted.service;
  const service = opts.serviceFor(name);
  if (!service) {
    const type = 'UnknownServiceException';
    return refuse('unknown_service', awsError(404, type, `No local service answers signing name '${name}'`));
  }
  const maxBodyBytes = bodyLimitFor(name, opts.maxBodyBytes);
  const length = declaredLength(req.headers);
  if (length !== undefined && length > maxBodyBytes) {
    return refuse('body_too_large', tooLarge(`Request body of ${length} bytes exceeds the ${maxBodyBytes}-byte limit for '${name}'`));
  }
  return { ok: true, pending, service, maxBodyBytes };
}

/** The 413 AWS answers for a payload over the limit (e.g. UpdateThingShadow's RequestEntityTooLargeException). */
export function tooLarge(message: string): GatewayResponse {
  return awsError(413, 'RequestEntityTooLargeException', message);
}

/**
 * The HTTP status AWS pairs with a SigV4 failure: 400 for a malformed signature
 * (IncompleteSignatureException) or S3's payload hash mismatch, 403 otherwise.
 */
export function sigV4Status(errorType: SigV4Failure): number {
  return errorType === 'IncompleteSignatureException' || errorType === 'XAmzContentSHA256Mismatch' ? 400 : 403;
}

const REASON_OF: Readonly<Record<SigV4Failure, RefusalReason>> = {
  MissingAuthenticationTokenException: 'missing_signature',
  IncompleteSignatureException: 'malformed_signature',
  UnrecognizedClientException: 'unknown_access_key',
  InvalidSignatureException: 'invalid_signature',
  XAmzContentSHA256Mismatch: 'invalid_signature',
};

function sigV4Refusal(errorType: SigV4Failure, message: string): Refused {
  return refuse(REASON_OF[errorType], awsError(sigV4Status(errorType), errorType, message));
}

function refuse(reason: RefusalReason, response: GatewayResponse): Refused {
  return { ok: false, reason, response, errorType: response.headers?.['x-amzn-errortype'] ?? '' };
}
