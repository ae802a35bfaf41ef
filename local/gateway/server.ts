import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../../common/logger';
import type { GatewayResponse, GatewayService, RoleSessions } from '../ports';
import { awsError } from './aws-error';
import { MAX_BODY_BYTES } from './body-limits';
import { gatewayUrl, sendResponse, wireResponse } from './http-io';
import { GatewayMetrics, type MetricsSource } from './metrics';
import { answerAndLinger } from './polite-close';
import { createRequestPipeline, type RequestContext } from './request-pipeline';
import type { SigV4Credentials } from './sigv4';
import { type StaticSiteOptions, StaticSites } from './static-site';

export { MAX_BODY_BYTES } from './body-limits';

export interface GatewayOptions {
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  region: string;
  /** The stack's own key pair (the local stand-in of IAM's administrator): every right. */
  credentials: SigV4Credentials;
  /**
   * Temporary credentials of assumed roles (issued by the local Cognito identity pool):
   * accepted with their session token, and only for what their role's policy allows.
   */
  sessions?: RoleSessions;
  services: GatewayService[];
  logger: Logger;
}

export interface GatewayHandle {
  server: Server;
  port: number;
  /** `http://host:port`, what AWS_ENDPOINT_URL should be set to. */
  url: string;
  addService(service: GatewayService): void;
  /**
   * Adds a source to the unsigned `GET /metrics` (Prometheus text format 0.0.4): it
   * returns exposition lines with their `# HELP`/`# TYPE`, read at each scrape.
   *
   * @example
   * gw.addMetrics(() => '# HELP q_depth Events queued.\n# TYPE q_depth gauge\nq_depth 3\n');
   */
  addMetrics(source: MetricsSource): void;
  /**
   * Serves a static web site (unsigned GET/HEAD) under `prefix`, beside the AWS APIs
   * (static-site.ts): files of `dir`, generated files such as a runtime config, and
   * with `redirectRoot` a 302 from `/` to it.
   *
   * @example
   * gw.addStaticSite('/display/', 'display/dist', { redirectRoot: true, immutableDir: 'assets', generated: { 'config.json': () => ({ body: '{}', contentType: 'application/json' }) } });
   */
  addStaticSite(prefix: string, dir: string, opts?: StaticSiteOptions): void;
  close(): Promise<void>;
}

/**
 * Starts the local AWS-compatible HTTP gateway: every request must carry a valid
 * SigV4 signature made with `credentials` (every right) or with temporary credentials
 * of `sessions` (their role's IAM policy decides), except the operations AWS serves
 * unsigned (a service's `unsignedTargets`); it is then routed by the signing name in
 * the credential scope to the service that answers it. Everything the request's head
 * can tell (signature shape, key, scope, service, declared length) is checked before a
 * byte of the body is read, and a request answered with its body unread is closed
 * politely, not reset. Errors use AWS's shape (`x-amzn-errortype` header + JSON
 * `message`) so the SDKs raise typed exceptions. `GET /metrics` is unsigned
 * (Prometheus text), and so are the static sites added with `addStaticSite`. WebSocket upgrades are left to whoever listens for `upgrade` on `server`
 * (the broker attaches MQTT over WebSocket at `/mqtt`).
 *
 * @example
 * const gw = await startGateway({ port: 0, region, credentials, services: [iot], logger });
 * process.env.AWS_ENDPOINT_URL = gw.url;
 */
export async function startGateway(opts: GatewayOptions): Promise<GatewayHandle> {
  const log = opts.logger.child({ component: 'gateway' });
  const services = new Map<string, GatewayService>();
  const unsigned = new Map<string, GatewayService>();
  const addService = (s: GatewayService): void => {
    for (const name of s.signingNames) services.set(name, s);
    for (const target of s.unsignedTargets ?? []) unsigned.set(target, s);
  };
  for (const s of opts.services) addService(s);
  const metrics = new GatewayMetrics();
  const metricSources: MetricsSource[] = [() => metrics.render()];
  const staticSites = new StaticSites();
  const pipeline = createRequestPipeline({
    region: opts.region,
    credentials: opts.credentials,
    sessions: opts.sessions,
    serviceFor: (name) => services.get(name),
    unsignedServiceFor: (target) => unsigned.get(target),
    unsignedClaimantFor: (method, rawPath) => [...new Set(services.values())].find((s) => s.claimsUnsigned?.(method, rawPath)),
    maxBodyBytes: MAX_BODY_BYTES,
    log,
    metrics,
    metricsText: () => metricSources.map((source) => source()).join(''),
    staticSites,
  });
  const handle = requestHandler(pipeline, metrics, log);
  const server = createServer((req, res) => handle(req, res, {}));
  // Expect: 100-continue — the body is asked for only once the head has been admitted
  // (RFC 9110 §10.1.1); a refusal is the final answer and the body is never sent.
  server.on('checkContinue', (req, res) => handle(req, res, { beforeBody: () => res.writeContinue() }));
  const sockets = trackSockets(server);
  await listen(server, opts.port, opts.host ?? '127.0.0.1');
  const port = (server.address() as AddressInfo).port;
  const url = gatewayUrl(opts.host, port);
  log.info({ url }, 'gateway listening');
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const sock of sockets) sock.destroy();
    });
  const addMetrics = (source: MetricsSource): void => {
    metricSources.push(source);
  };
  const addStaticSite = (prefix: string, dir: string, siteOpts?: StaticSiteOptions): void => staticSites.add(prefix, dir, siteOpts);
  return { server, port, url, addService, addMetrics, addStaticSite, close };
}

type Pipeline = ReturnType<typeof createRequestPipeline>;
type Handler = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => void;

/** Runs the pipeline for one request (a throw becomes AWS's 500), counts the answer and writes it. */
function requestHandler(pipeline: Pipeline, metrics: GatewayMetrics, log: Logger): Handler {
  return (req, res, ctx) => {
    const requestId = randomUUID();
    pipeline(req, requestId, ctx)
      .catch((e: unknown): GatewayResponse => {
        log.error({ err: e, requestId }, 'gateway request failed');
        return awsError(500, 'InternalFailureException', 'An unexpected error has occurred.');
      })
      .then((out) => {
        metrics.answered(ctx.service, out.status);
        respond(req, res, requestId, out);
      })
      .catch((e: unknown) => log.error({ err: e, requestId }, 'gateway response failed'));
  };
}

/**
 * Writes the answer; when the body was not all read (refused before it, or past its
 * limit) the connection is closed politely instead of reset (polite-close.ts).
 */
function respond(req: IncomingMessage, res: ServerResponse, requestId: string, out: GatewayResponse): void {
  if (res.headersSent) return;
  if (req.complete) sendResponse(res, requestId, out);
  else answerAndLinger(req, res, wireResponse(requestId, out));
}

/**
 * Tracks every socket (upgraded WebSocket ones included, which closeAllConnections
 * does not see) so close() cannot hang on a client that stays connected.
 */
function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (sock: Socket) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
  });
  return sockets;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
