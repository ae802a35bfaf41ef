import { z } from 'zod';
import { type FlagSpec, UsageError } from '../../common/cli-config';
import { THING_NAME_RE } from '../../protocol/topics';

/** `30s`, `2m`, `500ms`, `1h`, `0` → milliseconds (a bare number is seconds). */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m?.[1]) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000;
  return Math.round(Number(m[1]) * unit);
}

const thingName = z.string().regex(THING_NAME_RE, 'thing names are [a-zA-Z0-9:_-], 1..128 chars');
const policyName = z.string().regex(/^[\w+=,.@-]{1,128}$/, 'not a valid IoT policy name');

const common = { json: { type: 'boolean' }, region: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;
const certFlags = {
  out: { type: 'string' },
  csr: { type: 'string' },
  key: { type: 'string' },
  policy: { type: 'string' },
  'root-ca': { type: 'string' },
} as const;

/** The flags each `fleet` command takes (node:util parseArgs specs). */
export const FLAGS: Record<string, FlagSpec> = {
  // `ca create|register|issue` parse their own flags (ca-command.ts)
  ca: {},
  provision: { ...common, ...certFlags, count: { type: 'string' }, prefix: { type: 'string' }, concurrency: { type: 'string' } },
  list: { ...common },
  describe: { ...common },
  revoke: { ...common },
  rotate: { ...common, ...certFlags, grace: { type: 'string' } },
  template: { ...common, file: { type: 'string' }, 'role-arn': { type: 'string' }, 'pre-provisioning-hook': { type: 'string' }, description: { type: 'string' }, type: { type: 'string' } },
  claim: { ...common, template: { type: 'string' }, out: { type: 'string' }, 'root-ca': { type: 'string' } },
};

/** `fleet list`: no positional argument. */
export const BaseFlags = z.object({ json: z.boolean().default(false), region: z.string().min(1).optional(), help: z.boolean().default(false) });
const CertOpts = BaseFlags.extend({
  out: z.string().min(1).optional(),
  csr: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  policy: policyName.optional(),
  'root-ca': z.string().min(1).optional(),
});

/** `fleet provision THING …` or `fleet provision --count N --prefix P …`. */
export const ProvisionFlags = CertOpts.extend({
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

/** `fleet describe THING`, `fleet revoke THING|CERT_ID`. */
export const TargetFlags = BaseFlags.extend({ target: z.string().min(1, 'missing THING') });

/** `fleet rotate THING [--grace DUR] …`. */
export const RotateFlags = CertOpts.extend({
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

/** Puts the one positional argument under `key`; more than one is a usage error. */
export const withPositional =
  (key: string) =>
  (v: Record<string, unknown>, pos: string[]): Record<string, unknown> => {
    if (pos.length > 1) throw new UsageError([`unexpected arguments: ${pos.slice(1).join(' ')}`]);
    return { ...v, [key]: pos[0] };
  };

