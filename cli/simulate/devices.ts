/**
 * The simulated devices' identities: each a thing with its own ACTIVE certificate and
 * the `pulsepet-device` policy, provisioned in bulk through `@aws-sdk/client-iot` (the
 * fleet commands' provisionThing) and kept in STATE_DIR/THING/ (key 0600, directory 0700)
 * so the next run reuses them. A kept certificate the registry no longer lists as ACTIVE
 * (the local stack's data dir was wiped, or it was revoked) is replaced.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ListCertificatesCommand } from '@aws-sdk/client-iot';
import { DEVICE_POLICY_NAME } from '../../protocol/policies';
import type { FleetContext } from '../fleet/context';
import { call } from '../fleet/context';
import { DeviceConfigSchema, deviceFilePaths } from '../fleet/files';
import { pool, provisionThing } from '../fleet/provision';

export interface DeviceIdentity {
  thing: string;
  certificatePem: string;
  privateKeyPem: string;
}

export interface PreparedDevices {
  devices: DeviceIdentity[];
  created: number;
  reused: number;
  /** kept identities whose certificate was no longer ACTIVE, provisioned again */
  replaced: number;
  failures: Array<{ thing: string; error: string }>;
  seconds: number;
}

/** Thing names `${prefix}00001` …: a fixed width, so runs of different sizes share devices. */
export function simThingNames(prefix: string, count: number): string[] {
  const width = Math.max(5, String(count).length);
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(width, '0')}`);
}

/** Ids of the account's ACTIVE certificates (ListCertificates, every page). */
async function activeCertificateIds(ctx: FleetContext): Promise<Set<string>> {
  const ids = new Set<string>();
  let marker: string | undefined;
  do {
    const page = await call(ctx, 'ListCertificates', () => ctx.iot.send(new ListCertificatesCommand({ pageSize: 250, ...(marker ? { marker } : {}) })));
    for (const c of page.certificates ?? []) if (c.status === 'ACTIVE' && c.certificateId) ids.add(c.certificateId);
    marker = page.nextMarker;
  } while (marker);
  return ids;
}

/** The kept identity of `thing`, if its files are whole and its certificate is ACTIVE. */
function kept(stateDir: string, thing: string, active: Set<string>): DeviceIdentity | 'stale' | undefined {
  const paths = deviceFilePaths(join(stateDir, thing), thing);
  if (!existsSync(paths.configFile)) return undefined;
  try {
    const cfg = DeviceConfigSchema.parse(JSON.parse(readFileSync(paths.configFile, 'utf8')));
    if (!active.has(cfg.certificateId)) return 'stale';
    return { thing, certificatePem: readFileSync(cfg.cert, 'utf8'), privateKeyPem: readFileSync(cfg.key, 'utf8') };
  } catch {
    return 'stale';
  }
}

/**
 * Provisions (or reuses) every named device, `concurrency` at a time; `onProgress` gets
 * the count done so far. Failures are collected, not thrown: the caller decides.
 */
export async function prepareDevices(
  ctx: FleetContext,
  o: { names: readonly string[]; stateDir: string; rootCaPath: string; concurrency: number; onProgress?: (done: number) => void },
): Promise<PreparedDevices> {
  const started = performance.now();
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  const active = await activeCertificateIds(ctx);
  const byThing = new Map<string, DeviceIdentity>();
  const out: PreparedDevices = { devices: [], created: 0, reused: 0, replaced: 0, failures: [], seconds: 0 };
  let done = 0;
  await pool([...o.names], o.concurrency, async (thing) => {
    const k = kept(o.stateDir, thing, active);
    if (k !== undefined && k !== 'stale') {
      byThing.set(thing, k);
      out.reused++;
    } else {
      const dir = join(o.stateDir, thing);
      if (k === 'stale') rmSync(dir, { recursive: true, force: true });
      try {
        const r = await provisionThing(ctx, { thing, outDir: dir, policy: DEVICE_POLICY_NAME, rootCaPath: o.rootCaPath });
        byThing.set(thing, { thing, certificatePem: readFileSync(r.certFile, 'utf8'), privateKeyPem: readFileSync(r.keyFile, 'utf8') });
        if (k === 'stale') out.replaced++;
        else out.created++;
      } catch (e) {
        out.failures.push({ thing, error: e instanceof Error ? e.message : String(e) });
      }
    }
    o.onProgress?.(++done);
  });
  for (const n of o.names) {
    const d = byThing.get(n);
    if (d !== undefined) out.devices.push(d);
  }
  out.seconds = Math.round((performance.now() - started) / 100) / 10;
  return out;
}
