/**
 * Test fixtures for the broker suites and benchmarks: a real CA, a real Registry in
 * a temp dir, the pulsepet-device policy, and a broker on port 0. Not product code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, Writable } from 'node:stream';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import mqtt, { type IClientOptions, MqttClient } from 'mqtt';
import { type CaMaterial, createCa, createKeysAndCertificate, createServerCertificate, inspectCertificate } from '../../../certs/index';
import { createLogger, type Logger, silentLogger } from '../../../common/logger';
import { DEVICE_POLICY_NAME, devicePolicyDocument } from '../../../protocol/policies';
import { Registry } from '../../../local/registry/registry';
import { type BrokerHandle, type BrokerOptions, startBroker } from '../../../local/broker/broker';
import { createDurablePersistence } from '../../../local/broker/durable-persistence';

export const TEST_REGION = 'us-east-1';

export interface Device {
  thingName: string;
  certificateId: string;
  certificateArn: string;
  certificatePem: string;
  privateKeyPem: string;
}

/** A registry in a fresh temp dir with a registered CA, the device policy and a server certificate. */
export interface RegistryFixture {
  dir: string;
  registry: Registry;
  ca: CaMaterial;
  server: { certificatePem: string; privateKeyPem: string };
  logger: Logger;
  /** creates a thing + ACTIVE certificate from `issuer` (default: the registered CA) with the device policy */
  device(thingName: string, opts?: { issuer?: CaMaterial; register?: boolean; policy?: boolean }): Promise<Device>;
  close(): Promise<void>;
}

export interface Fixture extends RegistryFixture {
  broker: BrokerHandle;
  restart(overrides?: Partial<BrokerOptions>): Promise<BrokerHandle>;
}

/** Opens a registry fixture (no broker) in a fresh temp dir. */
export async function startRegistryFixture(logger: Logger = silentLogger()): Promise<RegistryFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'pulsepet-broker-'));
  const registry = Registry.open(join(dir, 'registry'), { region: TEST_REGION, logger });
  const ca = await createCa({ commonName: 'pulsepet local test CA' });
  await registry.ensureAwsManagedCa(ca.certificateId, ca.certificatePem);
  await registry.createPolicy(DEVICE_POLICY_NAME, devicePolicyDocument());
  const server = await createServerCertificate(ca, { hosts: ['localhost', '127.0.0.1'] });
  return {
    dir,
    registry,
    ca,
    server,
    logger,
    async device(thingName, opts = {}) {
      const issuer = opts.issuer ?? ca;
      const issued = await createKeysAndCertificate(issuer, { commonName: thingName });
      const info = inspectCertificate(issued.certificatePem);
      const certificateArn = registry.certificateArn(issued.certificateId);
      if (opts.register !== false) {
        const rec = {
          certificateId: issued.certificateId,
          certificatePem: issued.certificatePem,
          status: 'ACTIVE' as const,
          caCertificateId: issuer.certificateId,
          validity: { notBefore: info.notBefore, notAfter: info.notAfter },
          ...(info.subjectCommonName ? { subjectCommonName: info.subjectCommonName } : {}),
        };
        await registry.addCertificate(rec);
        await registry.createThing({ thingName });
        await registry.attachThingPrincipal(thingName, certificateArn);
        if (opts.policy !== false) await registry.attachPolicy(DEVICE_POLICY_NAME, certificateArn);
      }
      return {
        thingName,
        certificateId: issued.certificateId,
        certificateArn,
        certificatePem: issued.certificatePem,
        privateKeyPem: issued.keyPair.PrivateKey,
      };
    },
    async close() {
      registry.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a registry + broker in a fresh temp dir; `brokerOptions` are passed through. */
export async function startFixture(brokerOptions: Partial<BrokerOptions> = {}): Promise<Fixture> {
  const reg = await startRegistryFixture(brokerOptions.logger);
  const { registry, ca, server, logger } = reg;
  const base: BrokerOptions = {
    host: '127.0.0.1',
    port: 0,
    tls: { key: server.privateKeyPem, cert: server.certificatePem, ca: ca.certificatePem },
    registry,
    region: TEST_REGION,
    logger,
  };
  let current = await startBroker({ ...base, ...brokerOptions });
  const fx: Fixture = {
    ...reg,
    get broker() {
      return current;
    },
    async restart(overrides = {}) {
      await current.close();
      current = await startBroker({ ...base, ...brokerOptions, ...overrides, port: current.port });
      return current;
    },
    async close() {
      await current.close();
      await reg.close();
    },
  };
  return fx;
}

/** A JSON logger at debug level whose records a test can read back (synchronously written). */
export function captureLogger(): { logger: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line.length > 0) records.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger('test', { level: 'debug', destination: sink }), records };
}

export type ConnectOutcome = { ok: true; client: MqttClient; sessionPresent: boolean } | { ok: false; error: string };

/**
 * Connects with MQTT.js 3.1.1 over mTLS; resolves with the client on CONNACK 0, or
 * with the reason the connection was refused (CONNACK error, TLS close).
 */
export function connectDevice(
  fx: Pick<Fixture, 'broker' | 'ca'>,
  device: Pick<Device, 'certificatePem' | 'privateKeyPem'>,
  clientId: string,
  opts: Partial<IClientOptions> = {},
  onMessage?: (topic: string, payload: Buffer) => void,
): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    const client = mqtt.connect(`mqtts://127.0.0.1:${fx.broker.port}`, {
      protocolVersion: 4,
      clientId,
      key: device.privateKeyPem,
      cert: device.certificatePem,
      ca: fx.ca.certificatePem,
      servername: 'localhost',
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...opts,
    });
    if (onMessage) client.on('message', onMessage);
    let settled = false;
    const settle = (o: ConnectOutcome) => {
      if (settled) return;
      settled = true;
      if (!o.ok) client.end(true);
      resolve(o);
    };
    client.once('connect', (connack) => settle({ ok: true, client, sessionPresent: connack.sessionPresent }));
    client.once('error', (err) => settle({ ok: false, error: err.message }));
    client.once('close', () => settle({ ok: false, error: 'connection closed before CONNACK' }));
  });
}

/** Resolves when `emitter` emits `event` or rejects after `ms` with a clear message. */
export function waitFor<T>(register: (resolve: (v: T) => void) => void, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    register((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

/** Polls `cond` until true or the deadline passes. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * SUBSCRIBE and return the SUBACK return codes in request order (MQTT.js rejects
 * the whole call when any code is 0x80, so read them from the packet).
 */
export function subscribeCodes(client: MqttClient, filters: Record<string, { qos: 0 | 1 | 2 }>): Promise<number[]> {
  return new Promise((resolve, reject) => {
    client.subscribe(filters, (err, _granted, packet) => {
      const codes = (packet as { granted?: number[] } | undefined)?.granted;
      if (codes) resolve(codes);
      else reject(err ?? new Error('no SUBACK'));
    });
  });
}

/** The durable aedes persistence in the fixture's data dir (reopened on every call, as after a restart). */
export function durablePersistence(fx: Fixture): ReturnType<typeof createDurablePersistence> {
  return createDurablePersistence(join(fx.dir, 'mqtt'), fx.logger);
}

/** A fixture whose broker keeps persistent sessions in the durable persistence. */
export async function startDurableFixture(): Promise<Fixture> {
  const fx = await startFixture();
  await fx.restart({ persistence: await durablePersistence(fx) });
  return fx;
}

/**
 * Two connected in-memory streams: what one side writes the other reads, and
 * ending or destroying one ends the other (aedes' own tests run this way).
 */
export function duplexPair(): [Duplex, Duplex] {
  const sides: Duplex[] = [];
  const peer = (i: number): Duplex => sides[1 - i] as Duplex;
  for (let i = 0; i < 2; i++) {
    sides.push(
      new Duplex({
        read() {},
        write(chunk, _enc, cb) {
          peer(i).push(chunk);
          cb();
        },
        final(cb) {
          peer(i).push(null);
          cb();
        },
        destroy(err, cb) {
          peer(i).destroy();
          cb(err);
        },
      }),
    );
  }
  return [sides[0] as Duplex, sides[1] as Duplex];
}

/**
 * Connects an MQTT.js 3.1.1 client to a real aedes over {@link duplexPair}, with no
 * socket; `onHandle` sees aedes' client before the CONNECT is read. Resolves on CONNACK.
 */
export function connectInProcess(
  aedes: Aedes,
  opts: Partial<IClientOptions> = {},
  onHandle?: (client: Client) => void,
): Promise<MqttClient> {
  const [near, far] = duplexPair();
  const server = aedes.handle(far);
  onHandle?.(server);
  const client = new MqttClient(() => near, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, clientId: 'in-process', ...opts });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

/** Real aedes brokers started by a suite; `closeAll()` (in `afterEach`) closes them. */
export class AedesPool {
  readonly #started: Aedes[] = [];

  async start(opts: AedesOptions = {}): Promise<Aedes> {
    const aedes = await Aedes.createBroker(opts);
    this.#started.push(aedes);
    return aedes;
  }

  async closeAll(): Promise<void> {
    for (const b of this.#started.splice(0)) await new Promise<void>((resolve) => b.close(() => resolve()));
  }
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
