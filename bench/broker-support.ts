/**
 * Shared pieces of the broker benchmarks: the baseline (plain aedes doing the same
 * TLS client authentication, without registry or policy checks), flag parsing, and
 * MQTT.js connection helpers. Benchmarks print JSON; nothing here asserts.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import { Aedes } from 'aedes';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { z } from 'zod';
import { parseFlags, UsageError, type FlagSpec } from '../common/cli-config';

export interface Baseline {
  port: number;
  close(): Promise<void>;
}

/** Plain aedes on TLS 1.2+ with client certificates verified by OpenSSL against `ca`. */
export async function startPlainAedes(tls: { key: string; cert: string; ca: string }): Promise<Baseline> {
  const broker = await Aedes.createBroker();
  const server = createServer(
    { key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
    (socket: TLSSocket) => {
      broker.handle(socket);
    },
  );
  server.on('connection', (s) => s.setNoDelay(true));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Parses `--flag value` arguments with zod; prints every problem and exits 2 on bad input. */
export function benchFlags<S extends z.ZodType>(spec: FlagSpec, schema: S): z.infer<S> {
  try {
    return parseFlags(process.argv.slice(2), spec, schema);
  } catch (e) {
    if (e instanceof UsageError) {
      for (const p of e.problems) process.stderr.write(`${p}\n`);
      process.exit(2);
    }
    throw e;
  }
}

export interface MtlsIdentity {
  certificatePem: string;
  privateKeyPem: string;
}

/** Connects over mTLS with MQTT.js 3.1.1 and resolves on CONNACK (rejects on refusal). */
export function connectMtls(
  port: number,
  caPem: string,
  id: MtlsIdentity,
  clientId: string,
  opts: Partial<IClientOptions> = {},
): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtts://127.0.0.1:${port}`, {
      protocolVersion: 4,
      clientId,
      key: id.privateKeyPem,
      cert: id.certificatePem,
      ca: caPem,
      servername: 'localhost',
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      keepalive: 1200,
      ...opts,
    });
    const fail = (e: Error) => {
      client.end(true);
      reject(e);
    };
    client.once('connect', () => {
      client.off('error', fail);
      resolve(client);
    });
    client.once('error', fail);
    client.once('close', () => fail(new Error(`${clientId}: closed before CONNACK`)));
  });
}

/** Runs `task(i)` for i in [0, total) with at most `concurrency` in flight. */
export async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, total) }, async () => {
    while (next < total) {
      const i = next++;
      await task(i);
    }
  });
  await Promise.all(workers);
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Median (the mean of the middle two for an even count) and range of repeated runs' figures. */
export function spread(xs: readonly number[], digits = 3): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
  return { median: round(median, digits), min: round(s[0] ?? 0, digits), max: round(s[s.length - 1] ?? 0, digits) };
}
