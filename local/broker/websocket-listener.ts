import type { IncomingMessage, Server as PlainHttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { Logger } from '../../common/logger';
import type { RoleSessions } from '../ports';
import type { BrokerPrincipal } from './authz';
import { normalizeIp } from './session';
import type { Admit } from './tls-listener';
import { verifyPresignedUrl } from './ws-auth';

/** How {@link WebSocketListener} authenticates upgrades and whom it admits. */
export interface WebSocketListenerOptions {
  region: string;
  /** SigV4 credentials presigned URLs must be signed with; without them only loopback clients are accepted */
  wsCredentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** temporary credentials of assumed roles (the display's): admitted with their role's rights */
  sessions?: RoleSessions | undefined;
  log: Logger;
  admit: Admit;
}

/** An HTTP server, plain or over TLS (`ws://` or `wss://`). */
export type HttpServer = PlainHttpServer | HttpsServer;

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

const FORBIDDEN = 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

/**
 * MQTT over WebSocket on a path of existing HTTP servers, as IoT Core serves it on
 * `/mqtt` with the `mqtt` subprotocol and a SigV4-presigned URL.
 * https://docs.aws.amazon.com/iot/latest/developerguide/protocols.html#mqtt-ws
 */
export class WebSocketListener {
  readonly #attached: Array<{ http: HttpServer; onUpgrade: UpgradeListener; wss: WebSocketServer }> = [];

  constructor(private readonly opts: WebSocketListenerOptions) {}

  /** Serves MQTT over WebSocket on `path` of `http`; other upgrade paths are left to other listeners. */
  attach(http: HttpServer, path: string): void {
    const wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      // IoT Core requires the `mqtt` WebSocket subprotocol
      handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
    });
    const onUpgrade: UpgradeListener = (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== path) {
        if (http.listenerCount('upgrade') === 1) socket.destroy();
        return;
      }
      const remote = (socket as Socket).remoteAddress;
      const principal = this.#principal(req, url, remote);
      if (principal === undefined) {
        socket.end(FORBIDDEN);
        return;
      }
      (socket as Socket).setNoDelay?.(true);
      wss.handleUpgrade(req, socket, head, (ws) => {
        const stream = createWebSocketStream(ws);
        stream.on('error', () => stream.destroy());
        this.opts.admit(stream, principal, remote, req);
      });
    };
    http.on('upgrade', onUpgrade);
    this.#attached.push({ http, onUpgrade, wss });
  }

  /** Detaches from every HTTP server and closes the WebSocket servers. */
  close(): void {
    for (const w of this.#attached.splice(0)) {
      w.http.off('upgrade', w.onUpgrade);
      w.wss.close();
    }
  }

  /**
   * The IAM principal of an upgrade request, or undefined when it is refused (403): the
   * stack's own key (every right) or an assumed role's temporary key (its session token
   * checked, its role's policy applied to the connection).
   */
  #principal(req: IncomingMessage, url: URL, remote: string | undefined): BrokerPrincipal | undefined {
    const { wsCredentials, sessions, region, log } = this.opts;
    if (!wsCredentials && !sessions) {
      const ip = normalizeIp(remote);
      return ip === '127.0.0.1' || ip === '::1' ? { kind: 'iam', accessKeyId: 'loopback' } : undefined;
    }
    const lookup = (id: string) => (wsCredentials?.accessKeyId === id ? wsCredentials : sessions?.find(id));
    const input = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers };
    const check = verifyPresignedUrl(input, lookup, { region });
    if (!check.ok) {
      log.warn({ reason: check.reason, ip: normalizeIp(remote) }, 'WebSocket connection refused');
      return undefined;
    }
    if (check.accessKeyId === wsCredentials?.accessKeyId) return { kind: 'iam', accessKeyId: check.accessKeyId };
    const session = sessions?.find(check.accessKeyId);
    return session ? { kind: 'iam', accessKeyId: check.accessKeyId, rights: session.rights } : undefined;
  }
}
