import { z } from 'zod';
import { type FlagSpec, parseFlags, UsageError } from '../../common/cli-config';
import { THING_NAME_RE } from '../../protocol/topics';
import { createOperatorCa, type CreatedCa, type IssuedDevice, issueFromOperatorCa, type RegisteredCa, readOperatorCa, registerOperatorCa } from './ca';
import type { FleetContext } from './context';
import { withPositional } from './flags';

/** What `fleet ca` borrows from the fleet command: a context for a region, and the --root-ca default. */
export interface CaCommandDeps {
  withContext<T>(region: string | undefined, fn: (ctx: FleetContext) => Promise<T>): Promise<T>;
  rootCa(flag: string | undefined, ctx: FleetContext): string;
  stdout: NodeJS.WritableStream;
}

const common = { json: { type: 'boolean' }, region: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;
const caFiles = { 'ca-cert': { type: 'string' }, 'ca-key': { type: 'string' } } as const;

/** The flags of each `fleet ca` subcommand (node:util parseArgs specs). */
export const CA_FLAGS: Record<string, FlagSpec> = {
  create: { ...common, out: { type: 'string' }, name: { type: 'string' } },
  register: { ...common, ...caFiles, template: { type: 'string' } },
  issue: { ...common, ...caFiles, out: { type: 'string' }, 'root-ca': { type: 'string' }, serial: { type: 'string' } },
};

const Base = z.object({ json: z.boolean().default(false), region: z.string().min(1).optional(), help: z.boolean().default(false) });
const CaFiles = Base.extend({
  'ca-cert': z.string({ message: 'required: the CA certificate (PEM)' }).min(1),
  'ca-key': z.string({ message: 'required: the CA private key (PEM)' }).min(1),
});
const CreateFlags = Base.extend({ out: z.string({ message: 'required: the folder for ca.pem and ca.key' }).min(1), name: z.string().min(1).max(64).default('pulsepet operator CA') });
const RegisterFlags = CaFiles.extend({ template: z.string().regex(/^[0-9A-Za-z_-]{1,36}$/, 'template names are [0-9A-Za-z_-], 1..36 chars').optional() });
const IssueFlags = CaFiles.extend({
  thing: z.string({ message: 'missing THING' }).regex(THING_NAME_RE, 'thing names are [a-zA-Z0-9:_-], 1..128 chars'),
  out: z.string().min(1).optional(),
  'root-ca': z.string().min(1).optional(),
  serial: z.string().min(1).max(64).optional(),
});

const noArgs = (v: Record<string, unknown>, pos: string[]): Record<string, unknown> => {
  if (pos.length > 0) throw new UsageError([`unexpected arguments: ${pos.join(' ')}`]);
  return v;
};

/** `pulsepet fleet ca create|register|issue …`; returns the exit code. */
export async function caCommand(argv: string[], deps: CaCommandDeps): Promise<number> {
  const [sub, ...rest] = argv;
  const spec = sub === undefined ? undefined : CA_FLAGS[sub];
  if (sub === undefined || spec === undefined) {
    throw new UsageError([`expected a subcommand: ca create | ca register | ca issue${sub ? ` (got '${sub}')` : ''}`]);
  }
  if (sub === 'create') {
    const f = parseFlags(rest, spec, CreateFlags, noArgs);
    deps.stdout.write(createdReport(await createOperatorCa(f.out, f.name), f.json));
    return 0;
  }
  if (sub === 'register') {
    const f = parseFlags(rest, spec, RegisterFlags, noArgs);
    const ca = readOperatorCa(f['ca-cert'], f['ca-key']);
    return deps.withContext(f.region, async (ctx) => {
      deps.stdout.write(registeredReport(await registerOperatorCa(ctx, ca, f.template), f.json));
      return 0;
    });
  }
  const f = parseFlags(rest, spec, IssueFlags, withPositional('thing'));
  const ca = readOperatorCa(f['ca-cert'], f['ca-key']);
  return deps.withContext(f.region, async (ctx) => {
    const r = await issueFromOperatorCa(ctx, ca, {
      thing: f.thing,
      outDir: f.out ?? `devices/${f.thing}`,
      rootCaPath: deps.rootCa(f['root-ca'], ctx),
      ...(f.serial !== undefined ? { serialNumber: f.serial } : {}),
    });
    deps.stdout.write(issuedReport(r, f.json));
    return 0;
  });
}

function createdReport(r: CreatedCa, json: boolean): string {
  return json ? `${JSON.stringify(r)}\n` : `created CA ${r.certificateId}: certificate ${r.certFile}, key ${r.keyFile} (0600)\n`;
}

function registeredReport(r: RegisteredCa, json: boolean): string {
  if (json) return `${JSON.stringify(r)}\n`;
  const auto = r.autoRegistrationStatus === 'ENABLE' ? `auto-registration ENABLE${r.template ? ` (template ${r.template})` : ''}` : 'auto-registration DISABLE';
  return `${r.created ? 'registered' : 'updated already registered'} CA ${r.certificateId}: ${r.status}, ${auto}, arn ${r.certificateArn}\n`;
}

function issuedReport(r: IssuedDevice, json: boolean): string {
  return json
    ? `${JSON.stringify(r)}\n`
    : `issued ${r.thing}: certificate ${r.certificateId} signed by CA ${r.caCertificateId} (registered on first connect), endpoint ${r.endpoint}, config ${r.configFile}\n`;
}
