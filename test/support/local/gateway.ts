import { mkdtempSync, rmSync } from 'node:fs';
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
