/**
 * Test support (not product code): a real MQTT 5 broker — Debian's mosquitto — with a
 * TLS listener that requires client certificates issued by a CA from certs/.
 * Missing mosquitto is a failure with the install command, never a skip.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CaMaterial, createCa, createKeysAndCertificate, createServerCertificate, writePrivateKeyFile } from '../../../certs/index';

export interface DeviceFiles {
  thing: string;
  certFile: string;
  keyFile: string;
  caFile: string;
  certPem: string;
  keyPem: string;
  caPem: string;
}

export interface Mosquitto {
  port: number;
  /** the broker's process id (benchmarks read its CPU time) */
  pid: number;
  dir: string;
  ca: CaMaterial;
  endpoint: string;
  device(thing: string): Promise<DeviceFiles>;
  close(): Promise<void>;
}

export const MOSQUITTO_INSTALL = 'apt-get update && apt-get install -y mosquitto';

export function mosquittoBinary(): string {
  for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto']) {
    try {
      execFileSync(p, ['-h'], { stdio: 'ignore' });
      return p;
    } catch (e) {
      // mosquitto -h exits 3 after printing help: it exists.
      if ((e as { status?: number }).status !== undefined && (e as { code?: string }).code !== 'ENOENT') return p;
    }
  }
  throw new Error(`mosquitto is not installed; install it with: ${MOSQUITTO_INSTALL}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Writes a device's cert/key/CA files (key 0600) into `dir`. */
export async function writeDeviceFiles(ca: CaMaterial, dir: string, thing: string): Promise<DeviceFiles> {
  const d = await createKeysAndCertificate(ca, { commonName: thing });
  const certFile = join(dir, `${thing}.cert.pem`);
  const keyFile = join(dir, `${thing}.private.key`);
  const caFile = join(dir, 'ca.pem');
  writeFileSync(certFile, d.certificatePem);
  writePrivateKeyFile(keyFile, d.keyPair.PrivateKey);
  writeFileSync(caFile, ca.certificatePem);
  return { thing, certFile, keyFile, caFile, certPem: d.certificatePem, keyPem: d.keyPair.PrivateKey, caPem: ca.certificatePem };
}

/** Starts mosquitto on a free port with `require_certificate true`. */
export async function startMosquitto(): Promise<Mosquitto> {
  const bin = mosquittoBinary();
  const dir = mkdtempSync(join(tmpdir(), 'pp-mosquitto-'));
  const ca = await createCa({ commonName: 'pulsepet mosquitto test CA' });
  const server = await createServerCertificate(ca, { hosts: ['localhost', '127.0.0.1'] });
  writeFileSync(join(dir, 'ca.pem'), ca.certificatePem);
  writeFileSync(join(dir, 'server.pem'), server.certificatePem);
  writePrivateKeyFile(join(dir, 'server.key'), server.privateKeyPem);
  const port = await freePort();
  const conf = [
    'per_listener_settings false',
    'allow_anonymous true',
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    // Running as root in CI: keep root so it can read the 0600 key in the temp dir.
    'user root',
    `listener ${port} 127.0.0.1`,
    `cafile ${join(dir, 'ca.pem')}`,
    `certfile ${join(dir, 'server.pem')}`,
    `keyfile ${join(dir, 'server.key')}`,
    'require_certificate true',
    'use_identity_as_username true',
    'tls_version tlsv1.2',
  ].join('\n');
  writeFileSync(join(dir, 'mosquitto.conf'), `${conf}\n`);
  const child: ChildProcess = spawn(bin, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  try {
    await waitForPort(port);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`mosquitto did not start: ${stderr}`, { cause: e });
  }
  return {
    port,
    pid: child.pid ?? 0,
    dir,
    ca,
    endpoint: `mqtts://localhost:${port}`,
    device: (thing) => writeDeviceFiles(ca, dir, thing),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
