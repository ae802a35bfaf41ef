/**
 * The device's own identity, obtained by claim, in its device folder (`--device-dir`):
 *
 * ```
 * DEVICE_DIR/identity/THING.cert.pem      the device certificate
 * DEVICE_DIR/identity/THING.private.key   its private key (0600, made on this device)
 * DEVICE_DIR/identity/root-ca.pem         the root CA the broker is verified with
 * DEVICE_DIR/identity/THING.config.json   what `pulsepet agent --config` reads (paths relative to it)
 * DEVICE_DIR/outbox/                      the agent's outbox (the config's `outbox`)
 * ```
 *
 * `identity/` is written all or nothing (common/atomic-files.ts `writeDirAtomic`): its
 * existence is the commit. A crash before the commit leaves no identity (the agent
 * provisions again); after it, the whole identity.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { removeStaleTemps, writeDirAtomic } from '../common/atomic-files';
import { CorruptStateError } from '../common/startup-errors';
import { THING_NAME_RE } from '../protocol/topics';

/** The committed identity's folder name inside the device folder. */
export const IDENTITY_DIR = 'identity';
/** The outbox's folder name inside the device folder. */
export const OUTBOX_DIR = 'outbox';

/** The identity's config file: the agent config fields `pulsepet fleet provision` writes, plus the outbox. */
const IdentityConfigSchema = z.object({
  thing: z.string().regex(THING_NAME_RE),
  endpoint: z.string().min(1),
  cert: z.string().min(1),
  key: z.string().min(1),
  ca: z.string().min(1),
  certificateId: z.string().min(1),
  region: z.string().min(1).optional(),
  outbox: z.string().min(1),
});

/** An identity on disk. */
export interface StoredIdentity {
  thing: string;
  certificateId: string;
  /** the identity's config file (absolute) */
  configFile: string;
}

/** What a successful RegisterThing gives the device, plus where it connects. */
export interface NewIdentity {
  thing: string;
  certificateId: string;
  certificatePem: string;
  privateKeyPem: string;
  caPem: string;
  endpoint: string;
  region?: string;
}

/**
 * The identity committed in `deviceDir`, or undefined when there is none. Removes
 * what an interrupted commit left (call it while holding the folder's lock). An
 * `identity/` folder that is not a complete identity is a {@link CorruptStateError}:
 * provisioning again over it would make a second certificate for the device.
 */
export function loadIdentity(deviceDir: string): StoredIdentity | undefined {
  const dir = join(deviceDir, IDENTITY_DIR);
  removeStaleTemps(dir);
  if (!existsSync(dir)) return undefined;
  const configs = readdirSync(dir).filter((f) => f.endsWith('.config.json'));
  if (configs.length !== 1) throw new CorruptStateError(dir, `device identity ${dir} holds ${configs.length} config files (expected one THING.config.json)`);
  const configFile = join(dir, configs[0] as string);
  let parsed: z.infer<typeof IdentityConfigSchema>;
  try {
    parsed = IdentityConfigSchema.parse(JSON.parse(readFileSync(configFile, 'utf8')));
  } catch (e) {
    throw new CorruptStateError(configFile, `device identity config ${configFile} is not valid: ${(e as Error).message.split('\n')[0]}`, e);
  }
  for (const f of [parsed.cert, parsed.key, parsed.ca]) {
    if (!existsSync(join(dir, f))) throw new CorruptStateError(join(dir, f), `device identity file ${join(dir, f)} is missing`);
  }
  return { thing: parsed.thing, certificateId: parsed.certificateId, configFile };
}

/**
 * Writes `id` as the device's identity, all or nothing (every file fsynced, then one
 * rename). Throws if an identity is already committed: a device has one identity.
 */
export function commitIdentity(deviceDir: string, id: NewIdentity): StoredIdentity {
  const dir = join(deviceDir, IDENTITY_DIR);
  const names = { cert: `${id.thing}.cert.pem`, key: `${id.thing}.private.key`, ca: 'root-ca.pem', config: `${id.thing}.config.json` };
  const config = IdentityConfigSchema.parse({
    thing: id.thing,
    endpoint: id.endpoint,
    cert: names.cert,
    key: names.key,
    ca: names.ca,
    certificateId: id.certificateId,
    ...(id.region !== undefined ? { region: id.region } : {}),
    outbox: join('..', OUTBOX_DIR),
  });
  writeDirAtomic(dir, [
    { name: names.cert, data: id.certificatePem },
    { name: names.key, data: id.privateKeyPem, mode: 0o600 },
    { name: names.ca, data: id.caPem },
    // last, though the rename commits all of them at once
    { name: names.config, data: `${JSON.stringify(config, null, 2)}\n` },
  ]);
  return { thing: id.thing, certificateId: id.certificateId, configFile: join(dir, names.config) };
}
