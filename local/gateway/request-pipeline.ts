import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../common/logger';
import { PulsepetError } from '../../protocol/errors';
import type { GatewayRequest, GatewayResponse, GatewayService } from '../ports';
import { awsError } from './aws-error';
import { isCorsPreflight, preflightResponse } from './cors';
import { type RequestTarget, readBody, splitTarget } from './http-io';
import { type SigV4Credentials, type SigV4Result, verifySigV4 } from './sigv4';

/** What the pipeline needs from the gateway: who may sign, and who answers which signing name. */
export interface PipelineOptions {
  region: string;
  /** the one key pair the gateway accepts */
  credentials: SigV4Credentials;
  /** the service answering a signing name, looked up per request (services can be added later) */
  serviceFor(signingName: string): GatewayService | undefined;
  /** largest body read */
  maxBodyBytes: number;
  log: Logger;
}

type Verified = Extract<SigV4Result, { ok: true }>;

/**
 * The gateway's request pipeline, one step a function:
 * CORS preflight → read the body → authenticate (SigV4) → route by signing name.
 * A step answers by returning a response; the request goes on only with its value.
 * Checks that need no body (headers, declared length) belong before `readRequestBody`.
 */
export function createRequestPipeline(
  opts: PipelineOptions,
): (req: IncomingMessage, requestId: string) => Promise<GatewayResponse> {
  return async (req, requestId) => {
    if (isCorsPreflight(req)) {
      req.resume();
      return preflightResponse(req);
    }
    const target = splitTarget(req.url);
    const body = await readRequestBody(req, opts.maxBodyBytes);
    if (!Buffer.isBuffer(body)) return body;
    const auth = authenticate(req, target, body, opts, requestId);
    if (!auth.ok) return auth.response;
    return routeToService({ req, requestId, target, body, auth: auth.verified }, opts);
  };
}

/** The body, or the 413 answer when it is larger than the gateway reads. */
async function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | GatewayResponse> {
  try {
    return await readBody(req, maxBytes);
  } catch (e) {
    if (e instanceof PulsepetError && e.code === 'PP_ERR_LIMIT') {
      return awsError(413, 'RequestEntityTooLargeException', e.message);
    }
    throw e;
  }
}

/**
 * Verifies the SigV4 signature against the gateway's credentials and region; a
 * failure is answered with the exception AWS uses (400 for an incomplete
 * signature, 403 otherwise).
 */
function authenticate(
  req: IncomingMessage,
  target: RequestTarget,
  body: Buffer,
  opts: PipelineOptions,
  requestId: string,
): { ok: true; verified: Verified } | { ok: false; response: GatewayResponse } {
  const method = req.method ?? 'GET';
  const lookup = (id: string) => (id === opts.credentials.accessKeyId ? opts.credentials : undefined);
  const auth = verifySigV4({ method, ...target, headers: req.headers, body }, lookup, { region: opts.region });
  if (auth.ok) return { ok: true, verified: auth };
  opts.log.info({ requestId, method, path: target.rawPath, errorType: auth.errorType }, 'request rejected: signature');
  const status = auth.errorType === 'IncompleteSignatureException' ? 400 : 403;
  return { ok: false, response: awsError(status, auth.errorType, auth.message) };
}

interface AuthenticatedRequest {
  req: IncomingMessage;
  requestId: string;
  target: RequestTarget;
  body: Buffer;
  auth: Verified;
}

/** Hands the request to the service its credential scope names (404 when none serves it). */
async function routeToService(r: AuthenticatedRequest, opts: PipelineOptions): Promise<GatewayResponse> {
  const service = opts.serviceFor(r.auth.service);
  if (!service) {
    return awsError(404, 'UnknownServiceException', `No local service answers signing name '${r.auth.service}'`);
  }
  const method = r.req.method ?? 'GET';
  const greq: GatewayRequest = {
    method,
    path: r.target.rawPath,
    query: new URLSearchParams(r.target.rawQuery),
    headers: r.req.headers,
    body: r.body,
    service: r.auth.service,
    region: r.auth.region,
    accessKeyId: r.auth.accessKeyId,
    requestId: r.requestId,
  };
  const started = Date.now();
  const out = await service.handle(greq);
  opts.log.debug({
    requestId: r.requestId,
    service: r.auth.service,
    method,
    path: r.target.rawPath,
    status: out.status,
    ms: Date.now() - started,
  });
  return out;
}
