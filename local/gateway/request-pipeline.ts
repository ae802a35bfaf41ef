import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../common/logger';
import { PulsepetError } from '../../protocol/errors';
import type { GatewayRequest, GatewayResponse, GatewayService, RoleSessions } from '../ports';
import { type Admitted, admitBeforeBody, sigV4Status, tooLarge } from './admission';
import { awsError } from './aws-error';
import { isCorsPreflight, preflightResponse } from './cors';
import { type HashedBody, type RequestTarget, readBodyHashed, splitTarget } from './http-io';
import { authorizeRoleSession } from './iam-authorization';
import { type GatewayMetrics, isMetricsScrape, metricsResponse } from './metrics';
import { addressedService, shapedRefusal } from './refusal-shape';
import { finishSigV4, type SigV4Credentials, type SigV4Pending, type SigV4Result } from './sigv4';
import type { StaticSites } from './static-site';

/** What the pipeline needs from the gateway: who may sign, and who answers which signing name. */
export interface PipelineOptions {
  region: string;
  /** the stack's own key pair (every right) */
  credentials: SigV4Credentials;
  /** temporary credentials of assumed roles, with their role's rights */
  sessions?: RoleSessions | undefined;
  /** the service answering a signing name, looked up per request (services can be added later) */
  serviceFor(signingName: string): GatewayService | undefined;
  /** the service answering an unsigned `X-Amz-Target` (AWS's unsigned operations), if one does */
  unsignedServiceFor?(amzTarget: string): GatewayService | undefined;
  /** the service that claims a request with no signature at all (its refusal takes that service's error shape) */
  unsignedClaimantFor?(method: string, rawPath: string): GatewayService | undefined;
  /** largest body read for any service (each signing name may have a lower limit, body-limits.ts) */
  maxBodyBytes: number;
  log: Logger;
  /** the gateway's counters; refusals before the body are counted here */
  metrics?: GatewayMetrics;
  /** the `GET /metrics` text; without it `/metrics` is an ordinary (signed) path */
  metricsText?: () => string;
  /** unsigned static sites (the pet display) under their own path prefixes */
  staticSites?: StaticSites;
}

/** Per-request hooks between the server and the pipeline. */
export interface RequestContext {
  /** called once the request may send its body, before the first byte is read (answers `Expect: 100-continue`) */
  beforeBody?: () => void;
  /** set by the pipeline: the signing name of the service chosen for the request */
  service?: string;
}

type Verified = Extract<SigV4Result, { ok: true }>;

/**
 * The gateway's request pipeline, one step a function:
 * CORS preflight → `/metrics` → static sites → admission (everything the head can tell:
 * signature shape, key and session token, scope, service, declared length; or an
 * operation AWS serves unsigned) → read the body, hashing it as it streams → finish
 * SigV4 with that hash → an assumed role's IAM policy → route by signing name.
 * A step answers by returning a response; the request goes on only with its value.
 * The gateway's own refusals take the error shape of the service addressed, when it
 * has one (refusal-shape.ts: S3's XML).
 */
export function createRequestPipeline(
  opts: PipelineOptions,
): (req: IncomingMessage, requestId: string, ctx?: RequestContext) => Promise<GatewayResponse> {
  return async (req, requestId, ctx = {}) => {
    if (isCorsPreflight(req)) {
      req.resume();
      return preflightResponse(req);
    }
    const target = splitTarget(req.url);
    if (opts.metricsText && isMetricsScrape(req.method, target.rawPath)) return metricsResponse([opts.metricsText]);
    const page = await opts.staticSites?.serve(req, target);
    if (page) {
      req.resume();
      return page;
    }
    const admitted = admitBeforeBody(req, target, opts);
    if (!admitted.ok) {
      opts.metrics?.refused(admitted.reason);
      opts.log.info(
        { requestId, method: req.method, path: target.rawPath, errorType: admitted.errorType, reason: admitted.reason },
        'request refused before its body',
      );
      return shapedRefusal(admitted.response, addressedService({ req, target, requestId }, opts), { req, target, requestId });
    }
    ctx.service = admitted.signingName;
    ctx.beforeBody?.();
    return serveAdmitted({ req, requestId, target, admitted }, opts);
  };
}

/**
 * Reads an admitted request's body (counted in the gateway's buffered bytes until the
 * service has answered), finishes SigV4 with its hash and hands it to its service.
 */
async function serveAdmitted(
  r: { req: IncomingMessage; requestId: string; target: RequestTarget; admitted: Admitted },
  opts: PipelineOptions,
): Promise<GatewayResponse> {
  let held = 0;
  const hold = (bytes: number): void => {
    held += bytes;
    opts.metrics?.holdBody(bytes);
  };
  const refused = (response: GatewayResponse): GatewayResponse => shapedRefusal(response, r.admitted.service, r);
  try {
    const body = await readRequestBody(r.req, r.admitted.maxBodyBytes, hold);
    if (!('sha256' in body)) return refused(body);
    let verified: Verified | undefined;
    if (r.admitted.pending !== undefined) {
      const auth = authenticate(r.req, r.target, body, r.admitted.pending, opts.log, r.requestId);
      if (!auth.ok) return refused(auth.response);
      verified = auth.verified;
    }
    const greq = gatewayRequest({ ...r, body: body.body }, verified, opts.region);
    const caller = r.admitted.caller;
    if (caller.kind === 'session') {
      const decision = authorizeRoleSession(r.admitted.service, greq, caller.session);
      if (!decision.ok) {
        const { action, resource } = decision.denied ?? {};
        opts.log.info({ requestId: r.requestId, principal: caller.session.arn, service: greq.service, action, resource }, 'request denied by IAM policy');
        return refused(decision.response);
      }
    }
    return await routeToService(r.admitted.service, greq, opts.log);
  } finally {
    opts.metrics?.holdBody(-held);
  }
}

/** The body and its hash, or the 413 answer once it streams past the limit (chunked or understated length). */
async function readRequestBody(
  req: IncomingMessage,
  maxBytes: number,
  onChunk: (bytes: number) => void,
): Promise<HashedBody | GatewayResponse> {
  try {
    return await readBodyHashed(req, maxBytes, onChunk);
  } catch (e) {
    if (e instanceof PulsepetError && e.code === 'PP_ERR_LIMIT') return tooLarge(e.message);
    throw e;
  }
}

/**
 * Finishes the SigV4 check with the body's hash; a failure is answered with the
 * exception AWS uses (400 for an incomplete signature, 403 otherwise).
 */
function authenticate(
  req: IncomingMessage,
  target: RequestTarget,
  body: HashedBody,
  pending: SigV4Pending,
  log: Logger,
  requestId: string,
): { ok: true; verified: Verified } | { ok: false; response: GatewayResponse } {
  const auth = finishSigV4(pending, body.sha256);
  if (auth.ok) return { ok: true, verified: auth };
  log.info({ requestId, method: req.method, path: target.rawPath, errorType: auth.errorType }, 'request rejected: signature');
  return { ok: false, response: awsError(sigV4Status(auth.errorType), auth.errorType, auth.message) };
}

/**
 * The request as services see it; an unsigned operation has no access key and is
 * served in the gateway's region under its service's signing name.
 */
function gatewayRequest(
  r: { req: IncomingMessage; requestId: string; target: RequestTarget; body: Buffer; admitted: Admitted },
  auth: Verified | undefined,
  region: string,
): GatewayRequest {
  return {
    method: r.req.method ?? 'GET',
    path: r.target.rawPath,
    query: new URLSearchParams(r.target.rawQuery),
    headers: r.req.headers,
    body: r.body,
    service: auth?.service ?? r.admitted.signingName,
    region: auth?.region ?? region,
    accessKeyId: auth?.accessKeyId ?? '',
    requestId: r.requestId,
  };
}

/** Hands the request to the service its credential scope names (chosen at admission). */
async function routeToService(service: GatewayService, greq: GatewayRequest, log: Logger): Promise<GatewayResponse> {
  const started = Date.now();
  const out = await service.handle(greq);
  log.debug({
    requestId: greq.requestId,
    service: greq.service,
    method: greq.method,
    path: greq.path,
    status: out.status,
    ms: Date.now() - started,
  });
  return out;
}
