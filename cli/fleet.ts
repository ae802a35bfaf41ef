import { IoTClient } from '@aws-sdk/client-iot';
import { SingleBar } from 'cli-progress';
import { z } from 'zod';
import { type FlagSpec, parseFlags, UsageError } from '../common/cli-config';
import { isPulsepetError } from '../protocol/errors';
import { DEVICE_POLICY_NAME } from '../protocol/policies';
import { THING_NAME_RE } from '../protocol/topics';
import type { FleetContext } from './fleet/context';
import { readRootCa } from './fleet/files';
import { describeThing, listFleet, revoke, rotate } from './fleet/manage';
import { bulkNames, pool, type ProvisionResult, provisionThing, readCsr } from './fleet/provision';

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

const thingName = z.string().regex(THING_NAME_RE, 'thing names are [a-zA-Z0-9:_-], 1..128 chars');
const policyName = z.string().regex(/^[\w+=,.@-]{1,128}$/, 'not a valid IoT policy name');

/** `30s`, `2m`, `500ms`, `1h`, `0` → milliseconds. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m?.[1]) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000;
  return Math.round(Number(m[1]) * unit);
}

const common = { json: { type: 'boolean' }, region: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;
const certFlags = {
  out: { type: 'string' },
  csr: { type: 'string' },
  key: { type: 'string' },
  policy: { type: 'string' },
  'root-ca': { type: 'string' },
} as const;
const FLAGS: Record<string, FlagSpec> = {
  provision: { ...common, ...certFlags, count: { type: 'string' }, prefix: { type: 'string' }, concurrency: { type: 'string' } },
  list: { ...common },
  describe: { ...common },
  revoke: { ...common },
  rotate: { ...common, ...certFlags, grace: { type: 'string' } },
};

const Base = z.object({ json: z.boolean().default(false), region: z.string().min(1).optional(), help: z.boolean().default(false) });
const CertOpts = Base.extend({
  out: z.string().min(1).optional(),
  csr: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  policy: policyName.optional(),
  'root-ca': z.string().min(1).optional(),
});
const ProvisionFlags = CertOpts.extend({
  thing: thingName.optional(),
  count: z.coerce.number().int().min(1).max(100_000).optional(),
  prefix: z.string().regex(/^[a-zA-Z0-9:_-]{1,100}$/, 'prefix must be [a-zA-Z0-9:_-]').optional(),
  concurrency: z.coerce.number().int().min(1).max(64).default(8),
})
  .refine((f) => (f.thing === undefined) !== (f.count === undefined), {
    message: 'give either THING or --count N --prefix P',
  })
  .refine((f) => (f.count === undefined) === (f.prefix === undefined), { message: '--count and --prefix go together' })
  .refine((f) => f.count === undefined || f.csr === undefined, { message: '--csr provisions one thing, not --count' })
  .refine((f) => f.key === undefined || f.csr !== undefined, { message: '--key only goes with --csr' });
const TargetFlags = Base.extend({ target: z.string().min(1, 'missing THING') });
const RotateFlags = CertOpts.extend({
  thing: thingName,
  grace: z
    .string()
    .default('0')
    .transform((s, c) => {
      const ms = parseDuration(s);
      if (ms === undefined) c.addIssue({ code: 'custom', message: `not a duration: '${s}' (e.g. 30s, 2m, 500ms)` });
      return ms ?? 0;
    }),
}).refine((f) => f.key === undefined || f.csr !== undefined, { message: '--key only goes with --csr' });

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
  if (!spec) {
    io.stderr.write(`pulsepet fleet: unknown command '${cmd}'\n${FLEET_USAGE}`);
    return 2;
  }
  try {
    return await dispatch(cmd, rest, spec, io);
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

async function dispatch(cmd: string, argv: string[], spec: FlagSpec, io: FleetIo): Promise<number> {
  const withPositional =
    (key: string) =>
    (v: Record<string, unknown>, pos: string[]): Record<string, unknown> => {
      if (pos.length > 1) throw new UsageError([`unexpected arguments: ${pos.slice(1).join(' ')}`]);
      return { ...v, [key]: pos[0] };
    };
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(FLEET_USAGE);
    return 0;
  }
  switch (cmd) {
    case 'provision': {
      const f = parseFlags(argv, spec, ProvisionFlags, withPositional('thing'));
      const ctx = context(io, f.region);
      try {
        const caPath = rootCa(f['root-ca'], ctx);
        const policy = f.policy ?? DEVICE_POLICY_NAME;
        if (f.count !== undefined && f.prefix !== undefined) {
          return await provisionBulk(ctx, { count: f.count, prefix: f.prefix, outDir: f.out ?? 'devices', concurrency: f.concurrency, policy, caPath, json: f.json });
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
        io.stdout.write(
          f.json
            ? `${JSON.stringify({ ...r, policy })}\n`
            : `provisioned ${r.thing}: certificate ${r.certificateId} ACTIVE, policy ${policy}, endpoint ${r.endpoint}, config ${r.configFile}\n`,
        );
        return 0;
      } finally {
        ctx.iot.destroy();
      }
    }
    case 'list': {
      const f = parseFlags(argv, spec, Base, (v, pos) => {
        if (pos.length > 0) throw new UsageError([`unexpected arguments: ${pos.join(' ')}`]);
        return v;
      });
      const ctx = context(io, f.region);
      try {
        const things = await listFleet(ctx);
        if (f.json) io.stdout.write(`${JSON.stringify({ things })}\n`);
        else {
          const w = Math.max(5, ...things.map((t) => t.thing.length));
          io.stdout.write(`${'THING'.padEnd(w)}  CERTIFICATES\n`);
          for (const t of things) {
            const certs = t.certificates.map((c) => `${c.certificateId} ${c.status}`).join(', ') || '-';
            io.stdout.write(`${t.thing.padEnd(w)}  ${certs}\n`);
          }
        }
        return 0;
      } finally {
        ctx.iot.destroy();
      }
    }
    case 'describe': {
      const f = parseFlags(argv, spec, TargetFlags, withPositional('target'));
      const ctx = context(io, f.region);
      try {
        const d = await describeThing(ctx, f.target);
        if (f.json) io.stdout.write(`${JSON.stringify(d)}\n`);
        else {
          const attrs = Object.entries(d.attributes).map(([k, v]) => `${k}=${v}`).join(' ') || '-';
          io.stdout.write(`thing ${d.thing}\n  arn ${d.thingArn}\n  version ${d.version}\n  attributes ${attrs}\n`);
          if (d.certificates.length === 0) io.stdout.write('  certificates -\n');
          for (const c of d.certificates) {
            io.stdout.write(`  certificate ${c.certificateId} ${c.status} policies ${c.policies.join(',') || '-'}\n`);
          }
        }
        return 0;
      } finally {
        ctx.iot.destroy();
      }
    }
    case 'revoke': {
      const f = parseFlags(argv, spec, TargetFlags, withPositional('target'));
      const ctx = context(io, f.region);
      try {
        const ids = await revoke(ctx, f.target);
        io.stdout.write(
          f.json ? `${JSON.stringify({ revoked: ids })}\n` : `revoked ${ids.length} certificate(s): ${ids.join(', ')}\n`,
        );
        return 0;
      } finally {
        ctx.iot.destroy();
      }
    }
    default: {
      const f = parseFlags(argv, spec, RotateFlags, withPositional('thing'));
      const ctx = context(io, f.region);
      try {
        const r = await rotate(ctx, {
          thing: f.thing,
          outDir: f.out ?? `devices/${f.thing}`,
          graceMs: f.grace,
          rootCaPath: rootCa(f['root-ca'], ctx),
          ...(f.policy !== undefined ? { policy: f.policy } : {}),
          ...(f.csr !== undefined ? { csrPem: readCsr(f.csr) } : {}),
          ...(f.key !== undefined ? { keyPath: f.key } : {}),
        });
        io.stdout.write(
          f.json
            ? `${JSON.stringify(r)}\n`
            : `rotated ${r.thing}: certificate ${r.certificateId} ACTIVE (policies ${r.policies.join(',')}), ` +
                `${r.retired.length} old certificate(s) INACTIVE and detached after ${r.graceMs / 1000}s, config ${r.configFile}\n`,
        );
        return 0;
      } finally {
        ctx.iot.destroy();
      }
    }
  }
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
  const rate = done.length / Math.max(seconds, 1e-9);
  for (const f of failures) ctx.stderr.write(`  ${f.error}\n`);
  if (o.json) {
    ctx.stdout.write(
      `${JSON.stringify({ provisioned: done.length, failed: failures.length, seconds: round(seconds), perSecond: round(rate), things: done, failures })}\n`,
    );
  } else {
    ctx.stdout.write(`provisioned ${done.length} things in ${seconds.toFixed(1)} s (${rate.toFixed(1)}/s), ${failures.length} failed\n`);
  }
  return failures.length === 0 ? 0 : 2;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
