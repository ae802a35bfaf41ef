import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { GatewayResponse, GatewayService, RoleSession, RoleSessions } from '../ports';
import { awsError } from './aws-error';
import { bodyLimitFor, declaredLength } from './body-limits';
import type { RequestTarget } from './http-io';
import type { RefusalReason } from './metrics';
import { beginSigV4, checkSignature, parseRawQuery, type SigV4Credentials, type SigV4Failure, type SigV4Pending } from './sigv4';
import { headerValue } from './sigv4-signature-parts';

/** What admission needs: the keys, the region, who serves which signing name, the overall body cap. */
export interface AdmissionOptions {
  region: string;
  /** the stack's own key pair: every right */
  credentials: SigV4Credentials;
  /** temporary credentials of assumed roles (the display's, from Cognito): their role's rights */
  sessions?: RoleSessions | undefined;
  serviceFor(signingName: string): GatewayService | undefined;
  /** the service that answers an `X-Amz-Target` without a signature, if one does */
  unsignedServiceFor?(amzTarget: string): GatewayService | undefined;
  /** overall cap on any body; each signing name may have a lower one (body-limits.ts) */
  maxBodyBytes: number;
}

/** Who is calling: the stack's own key, an assumed role's session, or nobody (an operation AWS serves unsigned). */
export type Caller = { kind: 'admin' } | { kind: 'session'; session: RoleSession } | { kind: 'anonymous' };

/** A request that may send its body: the service, the body limit and the signature left to finish. */
export interface Admitted {
  ok: true;
  /** the signature left to finish with the body's hash; undefined for an unsigned operation */
  pending: SigV4Pending | undefined;
  caller: Caller;
  /** the signing name the request is served under */
  signingName: string;
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

type Head = Pick<IncomingMessage, 'method' | 'headers'>;

/**
 * The checks that need no body, made before a byte of it is read (issue 19.3): the
 * signature's shape, the access key (and a temporary key's session token), the
 * credential scope (region, date, clock), the signed headers, the signature itself when
 * the payload hash is declared (`x-amz-content-sha256`, which the SDKs send by default),
 * a signing name some service answers, and the declared `Content-Length` against that
 * service's limit. An unsigned request is admitted only for an operation AWS serves
 * unsigned ({@link GatewayService.unsignedTargets}).
 */
export function admitBeforeBody(req: Head, target: RequestTarget, opts: AdmissionOptions): Admitted | Refused {
  const unsigned = admitUnsigned(req, target, opts);
  if (unsigned !== undefined) return unsigned;
  let session: RoleSession | undefined;
  const lookup = (id: string): SigV4Credentials | undefined => {
    if (id === opts.credentials.accessKeyId) return opts.credentials;
    session = opts.sessions?.find(id);
    return session;
  };
  const head = { method: req.method ?? 'GET', ...target, headers: req.headers };
  const begun = beginSigV4(head, lookup, { region: opts.region });
  if (!begun.ok) return sigV4Refusal(begun.errorType, begun.message);
  const { pending } = begun;
  if (session !== undefined) {
    const bad = sessionTokenRefusal(session, req.headers, target.rawQuery);
    if (bad !== undefined) return bad;
  }
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
  const limit = bodyLimit(name, req, opts.maxBodyBytes);
  if (typeof limit !== 'number') return limit;
  const caller: Caller = session === undefined ? { kind: 'admin' } : { kind: 'session', session };
  return { ok: true, pending, caller, signingName: name, service, maxBodyBytes: limit };
}

/**
 * An unsigned `POST` whose `X-Amz-Target` a service serves without a signature (Cognito's
 * GetId and GetCredentialsForIdentity, which the SDKs send unsigned); undefined for
 * anything else, which then needs a signature.
 */
function admitUnsigned(req: Head, target: RequestTarget, opts: AdmissionOptions): Admitted | Refused | undefined {
  if (req.method !== 'POST' || req.headers.authorization !== undefined) return undefined;
  if (/(^|&)X-Amz-(Signature|Credential)=/i.test(target.rawQuery)) return undefined;
  const amzTarget = headerValue(req.headers, 'x-amz-target');
  const service = amzTarget === undefined ? undefined : opts.unsignedServiceFor?.(amzTarget);
  const name = service?.signingNames[0];
  if (service === undefined || name === undefined) return undefined;
  const limit = bodyLimit(name, req, opts.maxBodyBytes);
  if (typeof limit !== 'number') return limit;
  return { ok: true, pending: undefined, caller: { kind: 'anonymous' }, signingName: name, service, maxBodyBytes: limit };
}

/** The body limit of a signing name, or the 413 when the declared length is past it. */
function bodyLimit(name: string, req: Head, overallMax: number): number | Refused {
  const maxBodyBytes = bodyLimitFor(name, overallMax);
  const length = declaredLength(req.headers);
  if (length !== undefined && length > maxBodyBytes) {
    return refuse('body_too_large', tooLarge(`Request body of ${length} bytes exceeds the ${maxBodyBytes}-byte limit for '${name}'`));
  }
  return maxBodyBytes;
}

/**
 * Temporary credentials are valid only with their session token (`X-Amz-Security-Token`,
 * a header, or a query parameter of a presigned URL) and until they expire
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_use-resources.html).
 */
function sessionTokenRefusal(session: RoleSession, headers: IncomingHttpHeaders, rawQuery: string): Refused | undefined {
  const given = headerValue(headers, 'x-amz-security-token') ?? queryValue(rawQuery, 'X-Amz-Security-Token');
  if (given === undefined || !sameSecret(given, session.sessionToken)) {
    const type = 'UnrecognizedClientException';
    return refuse('invalid_session_token', awsError(403, type, 'The security token included in the request is invalid.'));
  }
  if (Date.now() >= session.expiresAt) {
    return refuse('expired_session_token', awsError(403, 'ExpiredTokenException', 'The security token included in the request is expired'));
  }
  return undefined;
}

function queryValue(rawQuery: string, key: string): string | undefined {
  return parseRawQuery(rawQuery).find(([k]) => k === key)?.[1];
}

/** Constant-time comparison of two secrets of possibly different lengths. */
function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
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
