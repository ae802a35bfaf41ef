import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../../common/logger';
import type { GatewayService } from '../ports';
import { awsError } from './aws-error';
import { gatewayUrl, sendResponse } from './http-io';
import { createRequestPipeline } from './request-pipeline';
import type { SigV4Credentials } from './sigv4';

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
  const pipeline = createRequestPipeline({
    region: opts.region,
    credentials: opts.credentials,
    serviceFor: (name) => services.get(name),
    maxBodyBytes: MAX_BODY_BYTES,
    log,
  });
  const server = createServer((req, res) => {
    const requestId = randomUUID();
    pipeline(req, requestId)
      .then((out) => sendResponse(res, requestId, out))
      .catch((e: unknown) => {
        log.error({ err: e, requestId }, 'gateway request failed');
        sendResponse(res, requestId, awsError(500, 'InternalFailureException', 'An unexpected error has occurred.'));
      });
  });
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
  return { server, port, url, addService, close };
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
