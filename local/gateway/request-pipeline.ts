import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../common/logger';
import { PulsepetError } from '../../protocol/errors';
import type { GatewayRequest, GatewayResponse, GatewayService } from '../ports';
import { type Admitted, admitBeforeBody, sigV4Status, tooLarge } from './admission';
import { awsError } from './aws-error';
import { isCorsPreflight, preflightResponse } from './cors';
import { type HashedBody, type RequestTarget, readBodyHashed, splitTarget } from './http-io';
import { type GatewayMetrics, isMetricsScrape, metricsResponse } from './metrics';
import type { StaticSites } from './static-site';
import { finishSigV4, type SigV4Credentials, type SigV4Result } from './sigv4';

/** What the pipeline needs from the gateway: who may sign, and who answers which signing name. */
export interface PipelineOptions {
  region: string;
  /** the one key pair the gateway accepts */
  credentials: SigV4Credentials;
  /** the service answering a signing name, looked up per request (services can be added later) */
  serviceFor(signingName: string): GatewayService | undefined;
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
 * CORS preflight → `/metrics` → static sites → admission (everything the head can tell: signature
 * shape, key, scope, service, declared length) → read the body, hashing it as it
 * streams → finish SigV4 with that hash → route by signing name.
 * A step answers by returning a response; the request goes on only with its value.
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
      return admitted.response;
    }
    ctx.service = admitted.pending.accepted.service;
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
  try {
    const body = await readRequestBody(r.req, r.admitted.maxBodyBytes, hold);
    if (!('sha256' in body)) return body;
    const auth = authenticate(r.req, r.target, body, r.admitted, opts.log, r.requestId);
    if (!auth.ok) return auth.response;
    return await routeToService({ ...r, body: body.body, auth: auth.verified, service: r.admitted.service }, opts.log);
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
  admitted: Admitted,
  log: Logger,
  requestId: string,
): { ok: true; verified: Verified } | { ok: false; response: GatewayResponse } {
  const auth = finishSigV4(admitted.pending, body.sha256);
  if (auth.ok) return { ok: true, verified: auth };
  log.info({ requestId, method: req.method, path: target.rawPath, errorType: auth.errorType }, 'request rejected: signature');
  return { ok: false, response: awsError(sigV4Status(auth.errorType), auth.errorType, auth.message) };
}

interface AuthenticatedRequest {
  req: IncomingMessage;
  requestId: string;
  target: RequestTarget;
  body: Buffer;
  auth: Verified;
  service: GatewayService;
}

/** Hands the request to the service its credential scope names (chosen at admission). */
async function routeToService(r: AuthenticatedRequest, log: Logger): Promise<GatewayResponse> {
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
  const out = await r.service.handle(greq);
  log.debug({
    requestId: r.requestId,
    service: r.auth.service,
    method,
    path: r.target.rawPath,
    status: out.status,
    ms: Date.now() - started,
  });
  return out;
}
