import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { writePrivateKeyFile } from '../../certs/index';
import { PulsepetError } from '../../protocol/errors';

/**
 * The device config file the agent reads (`THING.config.json`). Paths are absolute
 * so the agent can start from any working directory.
 */
export const DeviceConfigSchema = z.object({
  thing: z.string().min(1),
  endpoint: z.string().regex(/^mqtts:\/\/[^/]+:\d+$/),
  cert: z.string().min(1),
  key: z.string().min(1),
  ca: z.string().min(1),
  certificateId: z.string().regex(/^[0-9a-f]{64}$/),
  region: z.string().min(1),
});
export type DeviceConfig = z.infer<typeof DeviceConfigSchema>;

/** DescribeEndpoint's `host[:port]` as an mqtts URL; IoT Core's MQTT port is 8883. */
export function mqttsEndpoint(address: string): string {
  const hasPort = /:\d+$/.test(address) && !/^\[[^\]]*\]$/.test(address);
  return `mqtts://${hasPort ? address : `${address}:8883`}`;
}

export interface DeviceFiles {
  dir: string;
  certFile: string;
  keyFile: string;
  caFile: string;
  configFile: string;
  /** files this call created (removed again on rollback) */
  written: string[];
}

export function deviceFilePaths(outDir: string, thing: string): Omit<DeviceFiles, 'written'> {
  const dir = resolve(outDir);
  return {
    dir,
    certFile: join(dir, `${thing}.cert.pem`),
    keyFile: join(dir, `${thing}.private.key`),
    caFile: join(dir, 'root-ca.pem'),
    configFile: join(dir, `${thing}.config.json`),
  };
}

/** Reads the root CA PEM the devices verify the broker with; a clear error if unusable. */
export function readRootCa(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PulsepetError('PP_ERR_CONFIG', `cannot read root CA ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new PulsepetError('PP_ERR_CONFIG', `root CA ${path} is not a PEM certificate`);
  }
  return pem;
}

/**
 * Writes cert, key (0600, only when we have it), root CA and config. Each file is
 * written to a temp name and renamed, so a rotate never leaves a half-written file;
 * if any write fails, files this call created are removed again.
 */
export function writeDeviceFiles(input: {
  outDir: string;
  thing: string;
  certificatePem: string;
  privateKeyPem?: string;
  /** where the key lives when the caller kept it (CSR flow) */
  keyPath?: string;
  rootCaPath: string;
  certificateId: string;
  endpoint: string;
  region: string;
}): DeviceFiles & { config: DeviceConfig } {
  const paths = deviceFilePaths(input.outDir, input.thing);
  const written: string[] = [];
  const atomic = (path: string, write: (tmp: string) => void) => {
    const existed = existsSync(path);
    const tmp = `${path}.tmp-${process.pid}`;
    write(tmp);
    renameSync(tmp, path);
    if (!existed) written.push(path);
  };
  const config: DeviceConfig = DeviceConfigSchema.parse({
    thing: input.thing,
    endpoint: input.endpoint,
    cert: paths.certFile,
    key: input.keyPath !== undefined ? resolve(input.keyPath) : paths.keyFile,
    ca: paths.caFile,
    certificateId: input.certificateId,
    region: input.region,
  });
  try {
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    atomic(paths.certFile, (tmp) => writeFileSync(tmp, input.certificatePem, { mode: 0o644 }));
    const key = input.privateKeyPem;
    if (key !== undefined) {
      atomic(paths.keyFile, (tmp) => writePrivateKeyFile(tmp, key));
      chmodSync(paths.keyFile, 0o600);
    }
    if (resolve(input.rootCaPath) !== paths.caFile) {
      atomic(paths.caFile, (tmp) => copyFileSync(input.rootCaPath, tmp));
    }
    atomic(paths.configFile, (tmp) => writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o644 }));
  } catch (e) {
    removeFiles(written);
    throw new PulsepetError('PP_ERR_CONFIG', `cannot write device files in ${paths.dir}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return { ...paths, written, config };
}

/** Removes files a failed provisioning created; returns the ones it could not remove. */
export function removeFiles(files: string[]): string[] {
  const left: string[] = [];
  for (const f of files) {
    try {
      rmSync(f, { force: true });
    } catch {
      left.push(f);
    }
  }
  return left;
}
