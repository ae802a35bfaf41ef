/**
 * The claim config: the file `pulsepet fleet claim create` writes into a claim folder
 * for a factory line, and `pulsepet agent --claim-config FILE` reads on first start
 * to provision itself by claim (fleet provisioning by claim,
 * https://docs.aws.amazon.com/iot/latest/developerguide/provision-wo-cert.html).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { PulsepetError } from '../protocol/errors';

/** AWS's provisioning template name pattern (CreateProvisioningTemplate `templateName`). */
export const TEMPLATE_NAME_RE = /^[0-9A-Za-z_-]{1,36}$/;

/** A serial number the agent sends as the `SerialNumber` template parameter. */
export const SERIAL_RE = /^[a-zA-Z0-9:_-]{1,128}$/;

/** The claim config's file name in a claim folder. */
export const CLAIM_CONFIG_FILE = 'claim.config.json';

/**
 * `claim.config.json`:
 *
 * | field | what |
 * |---|---|
 * | `endpoint` | `mqtts://host:port`, the account's ATS data endpoint (DescribeEndpoint `iot:Data-ATS`; IoT Core's port is 8883) |
 * | `cert`, `key`, `ca` | the claim certificate, its private key (0600) and the root CA the broker is verified with; relative paths are relative to this file |
 * | `template` | the fleet provisioning template the claim is for (RegisterThing's `templateName`) |
 * | `certificateId` | the claim certificate's id (informational) |
 * | `policy` | the claim policy attached to it (informational) |
 * | `region` | the AWS region, copied into the device's own config |
 *
 * Unknown fields are ignored (a newer CLI may add some).
 *
 * @example
 * { "endpoint": "mqtts://abc-ats.iot.eu-west-1.amazonaws.com:8883", "cert": "claim.cert.pem", "key": "claim.private.key",
 *   "ca": "root-ca.pem", "template": "pulsepet-fleet", "certificateId": "…", "policy": "pulsepet-claim-pulsepet-fleet", "region": "eu-west-1" }
 */
export const ClaimConfigSchema = z.object({
  endpoint: z.string().regex(/^mqtts:\/\/[^/:]+(:\d{1,5})?\/?$/, 'expected mqtts://host:port'),
  cert: z.string().min(1),
  key: z.string().min(1),
  ca: z.string().min(1),
  template: z.string().regex(TEMPLATE_NAME_RE, 'expected a provisioning template name ([0-9A-Za-z_-], 1..36 chars)'),
  certificateId: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  policy: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
});
export type ClaimConfig = z.infer<typeof ClaimConfigSchema>;

/** A claim config with its files read: what provisioning by claim needs. */
export interface ClaimMaterial {
  config: ClaimConfig;
  certPem: string;
  keyPem: string;
  caPem: string;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new PulsepetError('PP_ERR_CONFIG', `--claim-config: cannot read the ${what} ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Reads and validates a claim config and the files it names; one PP_ERR_CONFIG error naming every problem. */
export function readClaimConfig(file: string): ClaimMaterial {
  let raw: unknown;
  try {
    raw = JSON.parse(readText(file, 'claim config'));
  } catch (e) {
    if (e instanceof PulsepetError) throw e;
    throw new PulsepetError('PP_ERR_CONFIG', `--claim-config: ${file} is not JSON: ${(e as Error).message}`, { cause: e });
  }
  const r = ClaimConfigSchema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; ');
    throw new PulsepetError('PP_ERR_CONFIG', `--claim-config: ${file} is not a claim config (${problems})`);
  }
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(dirname(file), p));
  const config = { ...r.data, cert: at(r.data.cert), key: at(r.data.key), ca: at(r.data.ca) };
  return { config, certPem: readText(config.cert, 'claim certificate'), keyPem: readText(config.key, 'claim private key'), caPem: readText(config.ca, 'root CA') };
}

/** Where {@link defaultSerial} looks, in order: systemd's machine id, then D-Bus's. */
export const MACHINE_ID_FILES = ['/etc/machine-id', '/var/lib/dbus/machine-id'] as const;

/**
 * The serial number a device uses when `--serial` is not given: this machine's id
 * (`/etc/machine-id`, else `/var/lib/dbus/machine-id`: 32 hex digits, fixed for the
 * life of the OS installation), else the host name with characters outside
 * `[a-zA-Z0-9:_-]` replaced by `-`. Stable across restarts, so a device that restarts
 * mid-provisioning asks for the same thing.
 */
export function defaultSerial(read: (path: string) => string = (p) => readFileSync(p, 'utf8'), host: () => string = hostname): string {
  for (const f of MACHINE_ID_FILES) {
    try {
      const id = read(f).trim();
      if (/^[0-9a-f]{32}$/i.test(id)) return id.toLowerCase();
    } catch {
      // not on this system: try the next source
    }
  }
  const name = host().replace(/[^a-zA-Z0-9:_-]/g, '-').slice(0, 128);
  if (name === '' || !SERIAL_RE.test(name)) throw new PulsepetError('PP_ERR_CONFIG', 'no machine id or host name to derive a serial number from: pass --serial');
  return name;
}
