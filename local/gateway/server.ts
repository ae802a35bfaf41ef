import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../../common/logger';
import { PulsepetError } from '../../protocol/errors';
import type { GatewayRequest, GatewayResponse, GatewayService } from '../ports';
import { awsError } from './aws-error';
import { type SigV4Credentials, verifySigV4 } from './sigv4';

/** Largest request body the gateway reads (IoT and data-plane payloads are far smaller). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface GatewayOptions {
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  region: string;
  /** The one key pair the gateway accepts (the local stand-in of IAM). */
  credentials: SigV4Credentials;
  services: GatewayService[];
  logger: Logger;
}

export interface GatewayHandle {
  server: Server;
  port: number;
  /** `http://host:port`, what AWS_ENDPOINT_URL should be set to. */
  url: string;
  addService(service: GatewayService): void;
  close(): Promise<void>;
}

/**
 * Starts the local AWS-compatible HTTP gateway: every request must carry a valid
 * SigV4 signature made with `credentials`; it is then routed by the signing name in
 * the credential scope to the service that answers it. Errors use AWS's shape
 * (`x-amzn-errortype` header + JSON `message`) so the SDKs raise typed exceptions.
 * WebSocket upgrades are left to whoever listens for `upgrade` on `server`
 * (the broker attaches MQTT over WebSocket at `/mqtt`).
 *
 * @example
 * const gw = await startGateway({ port: 0, region, credentials, services: [iot], logger });
 * process.env.AWS_ENDPOINT_URL = gw.url;
 */
export async function startGateway(opts: GatewayOptions): Promise<GatewayHandle> {
  const log = opts.logger.child({ component: 'gateway' });
  const services = new Map<string, GatewayService>();
  const addService = (s: GatewayService): void => {
    for (const name of s.signingNames) services.set(name, s);
  };
  for (const s of opts.services) addService(s);
  const lookup = (id: string): SigV4Credentials | undefined =>
    id === opts.credentials.accessKeyId ? opts.credentials : undefined;

  const server = createServer((req, res) => {
    const requestId = randomUUID();
    handle(req, requestId)
      .then((out) => send(res, requestId, out))
      .catch((e: unknown) => {
        log.error({ err: e, requestId }, 'gateway request failed');
        send(res, requestId, awsError(500, 'InternalFailureException', 'An unexpected error has occurred.'));
      });
  });

  async function handle(req: IncomingMessage, requestId: string): Promise<GatewayResponse> {
    // CORS preflight carries no signature; browsers (the display page) send it before signed calls.
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      req.resume();
      return {
        status: 204,
        headers: {
          'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, HEAD',
          'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? '*'),
          'access-control-max-age': '600',
        },
      };
    }
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (e) {
      if (e instanceof PulsepetError && e.code === 'PP_ERR_LIMIT') {
        return awsError(413, 'RequestEntityTooLargeException', e.message);
      }
      throw e;
    }
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const rawPath = q < 0 ? target : target.slice(0, q);
    const rawQuery = q < 0 ? '' : target.slice(q + 1);
    const method = req.method ?? 'GET';
    const auth = verifySigV4({ method, rawPath, rawQuery, headers: req.headers, body }, lookup, {
      region: opts.region,
    });
    if (!auth.ok) {
      log.info({ requestId, method, path: rawPath, errorType: auth.errorType }, 'request rejected: signature');
      return awsError(auth.errorType === 'IncompleteSignatureException' ? 400 : 403, auth.errorType, auth.message);
    }
    const service = services.get(auth.service);
    if (!service) {
      return awsError(404, 'UnknownServiceException', `No local service answers signing name '${auth.service}'`);
    }
    const greq: GatewayRequest = {
      method,
      path: rawPath,
      query: new URLSearchParams(rawQuery),
      headers: req.headers,
      body,
      service: auth.service,
      region: auth.region,
      accessKeyId: auth.accessKeyId,
      requestId,
    };
    const started = Date.now();
    const out = await service.handle(greq);
    log.debug({ requestId, service: auth.service, method, path: rawPath, status: out.status, ms: Date.now() - started });
    return out;
  }

  // Track every socket (upgraded WebSocket ones included, which closeAllConnections
  // does not see) so close() cannot hang on a client that stays connected.
  const sockets = new Set<Socket>();
  server.on('connection', (sock: Socket) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host === undefined || opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url }, 'gateway listening');
  return {
    server,
    port,
    url,
    addService,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const sock of sockets) sock.destroy();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.destroy();
        reject(new PulsepetError('PP_ERR_LIMIT', `request body exceeds ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, requestId: string, out: GatewayResponse): void {
  if (res.headersSent) return;
  const headers: Record<string, string> = {
    'x-amzn-requestid': requestId,
    // Signed requests only: a page without the secret cannot use this.
    'access-control-allow-origin': '*',
    'access-control-expose-headers': 'x-amzn-requestid, x-amzn-errortype, date',
    ...(out.headers ?? {}),
  };
  let payload: Buffer | string = '';
  if (Buffer.isBuffer(out.body) || typeof out.body === 'string') payload = out.body;
  else if (out.body !== undefined) {
    payload = JSON.stringify(out.body);
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(out.status, headers);
  res.end(payload);
}

function hasHeader(h: Record<string, string>, name: string): boolean {
  return Object.keys(h).some((k) => k.toLowerCase() === name);
}
