import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoTClient } from '@aws-sdk/client-iot';
import { type CaMaterial, createCa } from '../../../certs/index';
import { type Logger, silentLogger } from '../../../common/logger';
import { Registry } from '../../../local/registry/registry';
import { createIotService, type IotService } from '../../../local/gateway/iot/service';
import { type GatewayHandle, startGateway } from '../../../local/gateway/server';
import type { GatewayRequest } from '../../../local/ports';
import { iotErrorTypeOf } from '../../../local/registry/errors';

export interface TestGateway {
  dir: string;
  ca: CaMaterial;
  registry: Registry;
  gateway: GatewayHandle;
  iotService: IotService;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** an IoTClient pointed at the gateway, signing with the gateway's credentials */
  iot(overrides?: { secretAccessKey?: string; accessKeyId?: string; region?: string }): IoTClient;
  /** close gateway + registry and reopen both on the same data dir (restart) */
  restart(): Promise<void>;
  close(): Promise<void>;
}

interface GatewayParts {
  registry: Registry;
  iotService: IotService;
  gateway: GatewayHandle;
}

/** Opens the registry in `dir` and starts the iot service and the gateway over it (once per (re)start). */
async function bootGateway(o: {
  dir: string;
  ca: CaMaterial;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  logger: Logger;
  mqttAddress: string | undefined;
}): Promise<GatewayParts> {
  const registry = Registry.open(join(o.dir, 'registry'), { region: o.region, logger: o.logger });
  const iotService = createIotService({
    registry,
    region: o.region,
    ca: o.ca,
    mqttAddress: () => o.mqttAddress ?? 'localhost:18883',
    logger: o.logger,
  });
  await iotService.ready;
  const gateway = await startGateway({
    port: 0,
    region: o.region,
    credentials: o.credentials,
    services: [iotService],
    logger: o.logger,
  });
  return { registry, iotService, gateway };
}

let sharedCa: Promise<CaMaterial> | undefined;

/**
 * Starts the real gateway with the `iot` service on port 0, over a fresh registry in
 * a temp dir, with a CA from certs/ — for tests in this folder and for fleet tests
 * until local/stack.ts is the shared harness.
 */
export async function startTestGateway(opts: { logger?: Logger; mqttAddress?: string } = {}): Promise<TestGateway> {
  sharedCa ??= createCa({ commonName: 'pulsepet test CA' });
  const ca = await sharedCa;
  const dir = mkdtempSync(join(tmpdir(), 'pp-gateway-'));
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'AKIDPULSEPETTEST', secretAccessKey: 'test-secret-not-real' };
  const logger = opts.logger ?? silentLogger();
  const clients: IoTClient[] = [];
  const boot = () => bootGateway({ dir, ca, region, credentials, logger, mqttAddress: opts.mqttAddress });
  let parts = await boot();
  const shutdown = async () => {
    await parts.gateway.close();
    parts.registry.close();
  };
  const t: TestGateway = {
    dir,
    ca,
    region,
    credentials,
    get registry() {
      return parts.registry;
    },
    get gateway() {
      return parts.gateway;
    },
    get iotService() {
      return parts.iotService;
    },
    iot(overrides = {}) {
      const c = new IoTClient({
        endpoint: parts.gateway.url,
        region: overrides.region ?? region,
        credentials: { ...credentials, ...overrides },
        maxAttempts: 1,
      });
      clients.push(c);
      return c;
    },
    async restart() {
      await shutdown();
      parts = await boot();
    },
    async close() {
      for (const c of clients) c.destroy();
      await shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

/**
 * A request as the gateway hands it to a service, for unit tests of handlers and
 * their helpers (no socket, no signature).
 *
 * @example
 * const req = gatewayRequest({ query: { maxResults: '2' }, body: { target: arn } });
 */
export function gatewayRequest(
  r: { method?: string; path?: string; query?: Record<string, string>; headers?: Record<string, string>; body?: unknown } = {},
): GatewayRequest {
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.from(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
  return {
    method: r.method ?? 'GET',
    path: r.path ?? '/',
    query: new URLSearchParams(r.query ?? {}),
    headers: r.headers ?? {},
    body,
    service: 'iot',
    region: 'us-east-1',
    accessKeyId: 'AKIDPULSEPETTEST',
    requestId: 'test-request',
  };
}

/** The IoT exception type `f` throws (via `iotErrorTypeOf`), or undefined when it returns. */
export function iotErrorThrownBy(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return iotErrorTypeOf(e);
  }
  return undefined;
}

/** What a streamed request got back, and whether the connection failed after the answer. */
export interface StreamedAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** whether the server asked for the body (`100 Continue`) when `Expect: 100-continue` was sent */
  continued: boolean;
  /** bytes of the body written before the connection closed */
  sent: number;
  /** a socket error (ECONNRESET, EPIPE) seen after the answer, if any */
  error?: string;
}

/**
 * Sends a request with a large body through `node:http`, as a real client does: the
 * body streams in `chunkBytes` pieces of one shared buffer (the client itself holds
 * no more than one chunk), with `Content-Length` unless `chunked`. Resolves once the
 * connection has closed, with the answer; rejects when the connection failed before
 * any answer arrived (a reset instead of a status).
 */
export function streamRequest(
  url: string,
  r: { method?: string; path: string; headers?: Record<string, string>; bodyBytes: number; chunked?: boolean; chunkBytes?: number },
): Promise<StreamedAnswer> {
  const chunk = Buffer.alloc(r.chunkBytes ?? 64 * 1024, 0x78);
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (!r.chunked) headers['content-length'] = String(r.bodyBytes);
  return new Promise((resolve, reject) => {
    let answer: Omit<StreamedAnswer, 'sent' | 'error' | 'continued'> | undefined;
    let error: string | undefined;
    let sent = 0;
    let continued = false;
    const req = httpRequest(`${url}${r.path}`, { method: r.method ?? 'POST', headers, agent: false });
    const pump = (): void => {
      while (sent < r.bodyBytes && !req.destroyed) {
        const piece = chunk.subarray(0, Math.min(chunk.length, r.bodyBytes - sent));
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      if (!req.destroyed) req.end();
    };
    req.on('continue', () => {
      continued = true;
      pump();
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        answer = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString() };
      });
      res.on('error', () => undefined);
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    req.on('close', () => {
      if (answer) resolve({ ...answer, continued, sent, ...(error !== undefined ? { error } : {}) });
      else reject(new Error(`connection closed without an answer (${error ?? 'no error'}) after ${sent} bytes`));
    });
    if (headers.expect === undefined) pump();
  });
}
