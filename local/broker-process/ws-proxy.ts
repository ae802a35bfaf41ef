/**
 * MQTT over WebSocket at `/mqtt` of the stack's gateway, served by the broker process: an
 * upgrade request on that path is handed, as received (request line, headers and any
 * bytes after them), to the broker process's loopback listener, and the two sockets are
 * joined. The broker authenticates the presigned URL itself, as it does in one process.
 */
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HttpServer } from '../broker/websocket-listener';

export function proxyWebSocketUpgrades(http: HttpServer, path: string, target: () => number | undefined): () => void {
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      if (http.listenerCount('upgrade') === 1) socket.destroy();
      return;
    }
    const port = target();
    if (port === undefined) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    (socket as Socket).setNoDelay?.(true);
    const upstream = connect({ host: '127.0.0.1', port, noDelay: true });
    const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
    const end = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', end);
    socket.on('error', end);
    upstream.on('close', end);
    socket.on('close', end);
  };
  http.on('upgrade', onUpgrade);
  return () => http.off('upgrade', onUpgrade);
}
