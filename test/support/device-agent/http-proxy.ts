/**
 * Test support (not product code): an HTTP proxy in front of the local gateway that
 * counts and records every request it forwards, and can cut or stall answers. The
 * `Host` header passes unchanged, so a URL presigned for the proxy's address verifies at
 * the gateway (SigV4 signs the host the client sent).
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  range: string | undefined;
  ifMatch: string | undefined;
  /** the upstream status, or 0 when the proxy cut the request itself */
  status: number;
  /** body bytes the proxy passed on to the client */
  bytesSent: number;
}

/**
 * What to do with the next request: forward it whole (`pass`), close the socket before
 * any answer (`cut`), or forward the headers and `bytes` of the body, then hold the
 * connection open until {@link HttpCountingProxy.release} (`stall`).
 */
export type ProxyMode = { kind: 'pass' } | { kind: 'cut' } | { kind: 'stall'; bytes: number };

export class HttpCountingProxy {
  readonly requests: ProxiedRequest[] = [];
  private server: Server | undefined;
  private readonly plan: ProxyMode[] = [];
  private readonly held: ServerResponse[] = [];
  private waiters: Array<() => void> = [];

  constructor(private readonly upstream: { host: string; port: number }) {}

  get url(): string {
    if (!this.server) throw new Error('the proxy is not started');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  /** Modes for the next requests, in order (afterwards every request passes). */
  next(...modes: ProxyMode[]): void {
    this.plan.push(...modes);
  }

  /** Requests whose path contains `part` (e.g. an object key). */
  to(part: string): ProxiedRequest[] {
    return this.requests.filter((r) => r.path.includes(part));
  }

  /** Resolves once `pred` holds for the recorded requests (checked on every change). */
  async waitFor(pred: (r: ProxiedRequest[]) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.requests)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting on the proxy; requests so far: ${JSON.stringify(this.requests)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Ends every stalled answer by destroying its connection (the client sees a cut body). */
  release(): void {
    for (const res of this.held.splice(0)) res.destroy();
  }

  async close(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private changed(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const rec: ProxiedRequest = { method: req.method ?? '', path: req.url ?? '', range: header(req, 'range'), ifMatch: header(req, 'if-match'), status: 0, bytesSent: 0 };
    this.requests.push(rec);
    const mode = this.plan.shift() ?? { kind: 'pass' };
    if (mode.kind === 'cut') {
      req.socket.destroy();
      this.changed();
      return;
    }
    const up = request({ host: this.upstream.host, port: this.upstream.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      rec.status = ur.statusCode ?? 0;
      res.writeHead(rec.status, ur.headers);
      const limit = mode.kind === 'stall' ? mode.bytes : Number.POSITIVE_INFINITY;
      ur.on('data', (chunk: Buffer) => {
        const room = limit - rec.bytesSent;
        if (room <= 0) return;
        const piece = chunk.length <= room ? chunk : chunk.subarray(0, room);
        rec.bytesSent += piece.length;
        res.write(piece);
        this.changed();
      });
      ur.on('end', () => {
        if (mode.kind === 'stall') this.held.push(res);
        else res.end();
        this.changed();
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}
