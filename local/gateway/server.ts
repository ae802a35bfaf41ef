import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
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

/** The gateway's HTTPS listener ({@link GatewayHandle.listenHttps}). */
export interface HttpsListener {
  server: HttpsServer;
  port: number;
  /** `https://host:port` */
  url: string;
}

/** A TLS listener's port and server key material (PEM). */
export interface HttpsListenOptions {
  /** 0 picks a free port (tests). */
  port: number;
  key: string;
  cert: string;
}

export interface GatewayHandle {
  server: Server;
  port: number;
  /** `http://host:port`, what AWS_ENDPOINT_URL should be set to. */
  url: string;
  /** the HTTPS listener once {@link GatewayHandle.listenHttps} has resolved, else undefined */
  readonly https: HttpsListener | undefined;
  /**
   * Serves exactly the same requests over HTTPS (TLS 1.2+, no client certificate asked)
   * on a second port of the same host: the AWS APIs, `/metrics`, the static sites, and
   * upgrades to whoever listens on the returned server (`wss://…/mqtt`). Once per gateway.
   *
   * @example
   * const tls = await gw.listenHttps({ port: 0, key: serverKeyPem, cert: serverCertPem });
   * new IoTClient({ endpoint: tls.url, requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca }) }) });
   */
  listenHttps(opts: HttpsListenOptions): Promise<HttpsListener>;
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
 * (the broker attaches MQTT over WebSocket at `/mqtt`), and on `https.server` once `listenHttps` has added the same routes over TLS.
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
  const sockets = new Set<Socket>();
  const server = serveRequests(createServer(), handle, sockets);
  await listen(server, opts.port, opts.host ?? '127.0.0.1');
  const port = (server.address() as AddressInfo).port;
  const url = gatewayUrl(opts.host, port);
  log.info({ url }, 'gateway listening');
  let https: HttpsListener | undefined;
  const listenHttps = async (tls: HttpsListenOptions): Promise<HttpsListener> => {
    if (https) throw new Error('the gateway already listens on HTTPS');
    const secure = serveRequests(createHttpsServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' }), handle, sockets);
    await listen(secure, tls.port, opts.host ?? '127.0.0.1');
    const tlsPort = (secure.address() as AddressInfo).port;
    https = { server: secure, port: tlsPort, url: gatewayUrl(opts.host, tlsPort, 'https') };
    log.info({ url: https.url }, 'gateway listening on HTTPS');
    return https;
  };
  const close = async (): Promise<void> => {
    const servers = [server, ...(https ? [https.server] : [])];
    const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const s of servers) s.closeAllConnections();
    for (const sock of sockets) sock.destroy();
    await closed;
  };
  const addMetrics = (source: MetricsSource): void => {
    metricSources.push(source);
  };
  const addStaticSite = (prefix: string, dir: string, siteOpts?: StaticSiteOptions): void => staticSites.add(prefix, dir, siteOpts);
  return {
    server,
    port,
    url,
    get https() {
      return https;
    },
    listenHttps,
    addService,
    addMetrics,
    addStaticSite,
    close,
  };
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
 * Routes a server's requests into the pipeline and tracks its every socket (upgraded
 * WebSocket ones included, which closeAllConnections does not see) in `sockets`, so
 * close() cannot hang on a client that stays connected.
 */
/**
 * How long an idle keep-alive connection stays open (announced as `Keep-Alive: timeout=60`).
 * Node's own 5 s is shorter than the pauses between a client's calls: an SDK client that
 * reuses its socket just as the server closes it gets ECONNRESET, which a client built
 * with `maxAttempts: 1` cannot retry. A minute is the idle timeout of AWS's load
 * balancers; Node's agent drops the socket a second before the announced timeout.
 */
export const GATEWAY_KEEP_ALIVE_MS = 60_000;

function serveRequests<S extends Server | HttpsServer>(server: S, handle: Handler, sockets: Set<Socket>): S {
  server.keepAliveTimeout = GATEWAY_KEEP_ALIVE_MS;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => handle(req, res, {}));
  // Expect: 100-continue — the body is asked for only once the head has been admitted
  // (RFC 9110 §10.1.1); a refusal is the final answer and the body is never sent.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => handle(req, res, { beforeBody: () => res.writeContinue() }));
  server.on('connection', (sock: Socket) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
  });
  return server;
}

function listen(server: Server | HttpsServer, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
