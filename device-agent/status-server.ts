import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../common/logger';
import type { AvatarStatus } from './avatar-sync';

/** `GET /healthz`: `avatar` appears once the agent holds or has tried to download one. */
export interface Health {
  status: 'ok' | 'degraded';
  connected: boolean;
  outboxDepth: number;
  avatar?: AvatarStatus;
}

export interface StatusSource {
  health(): Health;
  metrics(): string;
}

/**
 * `GET /healthz` (JSON) and `GET /metrics` (Prometheus text) on 127.0.0.1 only —
 * the phone's own loopback, never the network.
 */
export async function startStatusServer(opts: { port: number; source: StatusSource; logger: Logger; host?: string }): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      const h = opts.source.health();
      res.writeHead(h.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(h));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(opts.source.metrics());
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'not found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  opts.logger.info({ port }, 'status server listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
