import { IoTClient } from '@aws-sdk/client-iot';
import { SingleBar } from 'cli-progress';
import { z } from 'zod';
import { type FlagSpec, parseFlags, UsageError } from '../common/cli-config';
import { isPulsepetError } from '../protocol/errors';
import { DEVICE_POLICY_NAME } from '../protocol/policies';
import { caCommand } from './fleet/ca-command';
import type { FleetContext } from './fleet/context';
import { readRootCa } from './fleet/files';
import { BaseFlags, FLAGS, ProvisionFlags, RotateFlags, TargetFlags, withPositional } from './fleet/flags';
import { describeThing, listFleet, revoke, rotate } from './fleet/manage';
import { claimCommand } from './fleet/claim';
import { bulkNames, pool, type ProvisionResult, provisionThing, readCsr } from './fleet/provision';
import { templateCommand } from './fleet/template';
import { bulkReport, describeReport, listReport, provisionedReport, revokedReport, rotatedReport } from './fleet/report';

export { parseDuration } from './fleet/flags';

export const FLEET_USAGE = `usage: pulsepet fleet <command> [flags]

Provision and manage things and certificates through the AWS IoT control plane
(@aws-sdk/client-iot). Endpoint and credentials come from the standard AWS env:
AWS_ENDPOINT_URL (the local gateway, or unset for AWS), AWS_REGION,
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. PULSEPET_ROOT_CA is the default --root-ca.

commands:
  provision THING [--out DIR] [--csr FILE [--key FILE]] [--policy NAME] [--root-ca FILE] [--json]
      thing + ACTIVE certificate + policy (default ${DEVICE_POLICY_NAME}) + attachment; writes
      DIR/THING.cert.pem, THING.private.key (0600), root-ca.pem, THING.config.json
      (DIR defaults to ./devices/THING). Rolled back if any step fails.
  provision --count N --prefix P [--out DIR] [--concurrency K] [--policy NAME] [--root-ca FILE] [--json]
      bulk: things P-0001..P-N, each in DIR/P-000i (DIR defaults to ./devices)
  list [--json]                     things and their certificates' status
  describe THING [--json]           thing, certificates and attached policies
  revoke THING|CERT_ID [--json]     set the thing's certificates (or that one) REVOKED
  rotate THING [--grace 30s] [--out DIR] [--csr FILE [--key FILE]] [--policy NAME] [--root-ca FILE] [--json]
      new certificate + files now; old certificates INACTIVE and detached after the grace period
  template create NAME --file template.json [--type FLEET_PROVISIONING|JITP] [--role-arn ARN] [--pre-provisioning-hook ARN] [--description D] [--json]
      an enabled template, FLEET_PROVISIONING (for claims) unless --type JITP (for ca register --template);
      role default: pulsepet-provisioning in the account (infra's iot stack creates it)
  template list [NAME]|describe NAME|delete NAME [--file template.json] [--json]
      (--file is read by create only; list NAME shows that template alone)
  claim create --template NAME [--out DIR] [--root-ca FILE] [--json]
      claim certificate (ACTIVE) + policy pulsepet-claim-NAME; writes DIR/claim.cert.pem,
      claim.private.key (0600), root-ca.pem, claim.config.json (DIR defaults to ./claims/NAME),
      what 'pulsepet agent --claim-config' reads
  ca register --ca-cert F --ca-key F [--template NAME] [--json]
      registers your CA (GetRegistrationCode + a verification certificate signed by the CA key,
      which stays here) ACTIVE; with --template (a JITP provisioning template) auto-registration
      is enabled: devices it signed are provisioned on first connect (JITP)
  ca issue --ca-cert F --ca-key F THING [--out DIR] [--serial S] [--root-ca FILE] [--json]
      device key (written only to DIR) + certificate CN=THING signed by your CA, files as for
      provision (DIR defaults to ./devices/THING); registered when the device first connects
  ca create --out DIR [--name CN] [--json]
      a test CA: DIR/ca.pem + DIR/ca.key (0600); a real fleet uses the manufacturer's CA

Exit codes: 0 ok, 2 usage or AWS error (one line on stderr saying why).
`;

/** The environment `fleet` reads, once. */
const FleetEnv = z.object({
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  AWS_ENDPOINT_URL: z.url().optional(),
  AWS_ENDPOINT_URL_IOT: z.url().optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
  PULSEPET_ROOT_CA: z.string().min(1).optional(),
});

export interface FleetIo {
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** rotate's grace-period wait; defaults to a timer */
  sleep?: (ms: number) => Promise<void>;
}

/** `pulsepet fleet` — provisions and manages things/certificates through @aws-sdk/client-iot. */
export async function fleet(argv: string[]): Promise<number> {
  return runFleet(argv, { env: process.env, stdout: process.stdout, stderr: process.stderr });
}

/** The fleet command with its environment and streams passed in (tests run it in-process). */
export async function runFleet(argv: string[], io: FleetIo): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout.write(FLEET_USAGE);
    return cmd === undefined ? 2 : 0;
  }
  const spec = FLAGS[cmd];
  const command = COMMANDS[cmd];
  if (!spec || !command) {
    io.stderr.write(`pulsepet fleet: unknown command '${cmd}'\n${FLEET_USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(FLEET_USAGE);
    return 0;
  }
  try {
    return await command(rest, spec, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`pulsepet fleet ${cmd}: invalid arguments\n${e.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return 2;
    }
    io.stderr.write(`pulsepet fleet ${cmd}: ${isPulsepetError(e) ? e.message : (e as Error).message}\n`);
    return 2;
  }
}

function context(io: FleetIo, regionFlag: string | undefined): FleetContext {
  const env = FleetEnv.safeParse(io.env);
  if (!env.success) {
    throw new UsageError(env.error.issues.map((i) => `env ${i.path.join('.')}: ${i.message}`));
  }
  const e = env.data;
  const region = regionFlag ?? e.AWS_REGION ?? e.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError(['set AWS_REGION (or pass --region)']);
  const endpoint = e.AWS_ENDPOINT_URL_IOT ?? e.AWS_ENDPOINT_URL;
  const credentials =
    e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: e.AWS_ACCESS_KEY_ID,
          secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
          ...(e.AWS_SESSION_TOKEN ? { sessionToken: e.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  const iot = new IoTClient({
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
  });
  return {
    iot,
    region,
    stdout: io.stdout,
    stderr: io.stderr,
    ...(e.PULSEPET_ROOT_CA ? { rootCaFromEnv: e.PULSEPET_ROOT_CA } : {}),
    ...(endpoint ? { endpointUrl: endpoint } : {}),
    sleep: io.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
  };
}

function rootCa(flag: string | undefined, ctx: FleetContext): string {
  const path = flag ?? ctx.rootCaFromEnv;
  if (!path) throw new UsageError(['--root-ca FILE (or env PULSEPET_ROOT_CA) is required: devices verify the broker with it']);
  readRootCa(path);
  return path;
}

/** One `fleet` command: parses its flags, runs against a context, returns the exit code. */
type Command = (argv: string[], spec: FlagSpec, io: FleetIo) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  ca: (argv, _spec, io) => caCommand(argv, { withContext: (region, fn) => withContext(io, region, fn), rootCa, stdout: io.stdout }),
  provision: provisionCommand,
  list: listCommand,
  describe: describeCommand,
  revoke: revokeCommand,
  rotate: rotateCommand,
  template: (argv, spec, io) => templateCommand(argv, spec, (region, fn) => withContext(io, region, fn)),
  claim: (argv, spec, io) => claimCommand(argv, spec, (region, fn) => withContext(io, region, fn), rootCa),
};

/** Runs `fn` with a context for `region`, and frees the SDK client however it ends. */
async function withContext<T>(io: FleetIo, region: string | undefined, fn: (ctx: FleetContext) => Promise<T>): Promise<T> {
  const ctx = context(io, region);
  try {
    return await fn(ctx);
  } finally {
    ctx.iot.destroy();
  }
}

async function provisionCommand(argv: string[], spec: FlagSpec, io: FleetIo): Promise<number> {
  const f = parseFlags(argv, spec, ProvisionFlags, withPositional('thing'));
  return withContext(io, f.region, async (ctx) => {
    const caPath = rootCa(f['root-ca'], ctx);
    const policy = f.policy ?? DEVICE_POLICY_NAME;
    if (f.count !== undefined && f.prefix !== undefined) {
      return provisionBulk(ctx, { count: f.count, prefix: f.prefix, outDir: f.out ?? 'devices', concurrency: f.concurrency, policy, caPath, json: f.json });
    }
    const thing = f.thing ?? '';
    const r = await provisionThing(ctx, {
      thing,
      outDir: f.out ?? `devices/${thing}`,
      policy,
      rootCaPath: caPath,
      ...(f.csr !== undefined ? { csrPem: readCsr(f.csr) } : {}),
      ...(f.key !== undefined ? { keyPath: f.key } : {}),
    });
    io.stdout.write(provisionedReport(r, policy, f.json));
    return 0;
  });
}

async function listCommand(argv: string[], spec: FlagSpec, io: FleetIo): Promise<number> {
  const f = parseFlags(argv, spec, BaseFlags);
  return withContext(io, f.region, async (ctx) => {
    io.stdout.write(listReport(await listFleet(ctx), f.json));
    return 0;
  });
}

async function describeCommand(argv: string[], spec: FlagSpec, io: FleetIo): Promise<number> {
  const f = parseFlags(argv, spec, TargetFlags, withPositional('target'));
  return withContext(io, f.region, async (ctx) => {
    io.stdout.write(describeReport(await describeThing(ctx, f.target), f.json));
    return 0;
  });
}

async function revokeCommand(argv: string[], spec: FlagSpec, io: FleetIo): Promise<number> {
  const f = parseFlags(argv, spec, TargetFlags, withPositional('target'));
  return withContext(io, f.region, async (ctx) => {
    io.stdout.write(revokedReport(await revoke(ctx, f.target), f.json));
    return 0;
  });
}

async function rotateCommand(argv: string[], spec: FlagSpec, io: FleetIo): Promise<number> {
  const f = parseFlags(argv, spec, RotateFlags, withPositional('thing'));
  return withContext(io, f.region, async (ctx) => {
    const r = await rotate(ctx, {
      thing: f.thing,
      outDir: f.out ?? `devices/${f.thing}`,
      graceMs: f.grace,
      rootCaPath: rootCa(f['root-ca'], ctx),
      ...(f.policy !== undefined ? { policy: f.policy } : {}),
      ...(f.csr !== undefined ? { csrPem: readCsr(f.csr) } : {}),
      ...(f.key !== undefined ? { keyPath: f.key } : {}),
    });
    io.stdout.write(rotatedReport(r, f.json));
    return 0;
  });
}

async function provisionBulk(
  ctx: FleetContext,
  o: { count: number; prefix: string; outDir: string; concurrency: number; policy: string; caPath: string; json: boolean },
): Promise<number> {
  const names = bulkNames(o.prefix, o.count);
  const done: ProvisionResult[] = [];
  const failures: Array<{ thing: string; error: string }> = [];
  const bar = ctx.stdout.isTTY && !o.json ? new SingleBar({ stream: ctx.stdout, format: 'provisioning [{bar}] {value}/{total} things | {eta}s left', hideCursor: true }) : undefined;
  bar?.start(names.length, 0);
  const started = performance.now();
  await pool(names, o.concurrency, async (thing) => {
    try {
      done.push(await provisionThing(ctx, { thing, outDir: `${o.outDir}/${thing}`, policy: o.policy, rootCaPath: o.caPath }));
    } catch (e) {
      failures.push({ thing, error: (e as Error).message });
    }
    bar?.increment();
  });
  bar?.stop();
  const seconds = (performance.now() - started) / 1000;
  for (const f of failures) ctx.stderr.write(`  ${f.error}\n`);
  ctx.stdout.write(bulkReport({ done, failures, seconds }, o.json));
  return failures.length === 0 ? 0 : 2;
}
