import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../common/logger';
import type { AcceptResult, SampleSink, SampleSource } from '../ports';

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * `POST /samples` on 127.0.0.1 for the phone app or a BLE bridge. The body is one
 * record, a JSON array of records, or JSON lines (`application/x-ndjson`). Valid
 * records are stored even when others in the same body are bad; the answer is 202
 * when all were accepted, 400 with every reason otherwise, 503 when the outbox
 * refused them (reject-new policy) and 413 past 1 MiB.
 */
export class HttpInput implements SampleSource {
  readonly name = 'http';
  private server: Server | undefined;
  port = 0;

  constructor(
    private readonly opts: { port: number; host?: string; logger: Logger },
  ) {}

  async start(sink: SampleSink): Promise<void> {
    const server = createServer((req, res) => {
      void this.handle(req, res, sink).catch((err: unknown) => {
        this.opts.logger.error({ err }, 'http input failed');
        if (!res.headersSent) reply(res, 500, { message: 'internal error' });
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.opts.logger.info({ port: this.port }, 'http input listening on POST /samples');
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse, sink: SampleSink): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/samples') return reply(res, 404, { message: 'not found; POST /samples' });
    if (req.method !== 'POST') return reply(res, 405, { message: 'use POST' });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY_BYTES) return reply(res, 413, { message: `body exceeds ${MAX_BODY_BYTES} bytes` });
      chunks.push(c as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let records: unknown[];
    try {
      if ((req.headers['content-type'] ?? '').includes('ndjson')) {
        records = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
      } else {
        const body = JSON.parse(text) as unknown;
        records = Array.isArray(body) ? body : [body];
      }
    } catch (e) {
      sink.reject('invalid', this.name);
      return reply(res, 400, { message: `body is not JSON: ${(e as Error).message}`, accepted: 0 });
    }
    if (records.length === 0) return reply(res, 400, { message: 'no samples in body', accepted: 0 });
    const results: AcceptResult[] = await Promise.all(records.map((r) => sink.accept(r, this.name)));
    const rejected = results.flatMap((r, index) => (r.ok ? [] : [{ index, reason: r.reason, code: r.code }]));
    const accepted = results.length - rejected.length;
    if (rejected.length === 0) return reply(res, 202, { accepted });
    const full = rejected.some((r) => r.code === 'outbox-full');
    const status = full ? 503 : rejected.some((r) => r.code === 'store') ? 500 : 400;
    const first = rejected[0]!;
    return reply(res, status, { message: `sample ${first.index}: ${first.reason}`, accepted, rejected });
  }
}

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
