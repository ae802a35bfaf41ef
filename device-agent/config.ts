import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { UsageError } from '../common/cli-config';
import { FsyncPolicySchema } from '../common/fsync-policy';
import { MAX_PAYLOAD_BYTES, MAX_SAMPLES_PER_BATCH } from '../protocol/telemetry';
import { THING_NAME_RE } from '../protocol/topics';
import { SERIAL_RE, TEMPLATE_NAME_RE } from './claim-config';

/** `500ms`, `60s`, `2m`, `1h`, or a bare number of milliseconds. */
export function parseDurationMs(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  return Math.round(n * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit]!);
}

const duration = (min: number, max: number) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    const ms = parseDurationMs(v);
    if (ms === undefined || ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `expected a duration between ${min} ms and ${max} ms (e.g. 500ms, 60s, 2m), got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return ms;
  });

const intLike = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const required = (what: string) => ({
  error: (iss: { input?: unknown }) => (iss.input === undefined ? 'required (as a flag or in the --config file)' : `expected ${what}`),
});

const readableFile = z.string(required('a file path')).min(1).superRefine((p, ctx) => {
  try {
    accessSync(p, constants.R_OK);
  } catch {
    ctx.addIssue({ code: 'custom', message: `cannot read file ${p}` });
  }
});

/**
 * What the agent knows about its built-in simulator input. The scenarios live in
 * simulators/, which the agent does not import: cli/agent.ts passes them in.
 */
export interface AgentConfigOptions {
  /** the scenarios `--input sim:SCENARIO` accepts */
  scenarios: readonly string[];
  /** base of the default outbox directory (default: the working directory) */
  cwd?: string;
}

/** One `--input`: `stdin`, `http:PORT` or `sim:SCENARIO` for one of `scenarios`. */
export function inputSpecSchema(scenarios: readonly string[]) {
  return z
    .string()
    .refine(
      (v) => v === 'stdin' || /^http:\d{1,5}$/.test(v) || (v.startsWith('sim:') && scenarios.includes(v.slice(4))),
      `expected stdin | http:PORT | sim:${scenarios.join('|')}`,
    );
}

const WatchOutputSchema = z.string().regex(/^(stdout|https?:\/\/.+|http:.+|file:.+)$/, 'expected stdout | http://URL | file:PATH');

/** The validated agent configuration (flags override the `--config` file). */
export function agentConfigSchema(scenarios: readonly string[]) {
  return z
    .object({
      thing: z.string(required('a thing name')).regex(THING_NAME_RE, `expected a thing name matching ${THING_NAME_RE}`),
      endpoint: z.string(required('mqtts://host:port')).regex(/^mqtts:\/\/[^/:]+(:\d{1,5})?\/?$/, 'expected mqtts://host:port'),
      cert: readableFile,
      key: readableFile,
      ca: readableFile,
      mqtt: z.enum(['3.1.1', '5']).default('3.1.1'),
      input: z.array(inputSpecSchema(scenarios)).min(1).default(['stdin']),
      outbox: z.string().min(1).optional(),
      avatarDir: z.string().min(1).optional(),
      outboxMaxBytes: intLike(1_024, 2 ** 40).default(32 * 1024 * 1024),
      outboxPolicy: z.enum(['drop-oldest', 'reject-new']).default('drop-oldest'),
      fsync: FsyncPolicySchema.default({ kind: 'always' }),
      batchMaxSamples: intLike(1, MAX_SAMPLES_PER_BATCH).default(120),
      batchMaxBytes: intLike(1_024, MAX_PAYLOAD_BYTES).default(32 * 1024),
      batchInterval: duration(0, 3_600_000).default(10_000),
      sampleInterval: duration(100, 3_600_000).default(1_000),
      dutyCycle: duration(1_000, 86_400_000).optional(),
      statusPort: intLike(0, 65_535).optional(),
      watchOutput: WatchOutputSchema.default('stdout'),
      maxPublishRate: intLike(1, 100).default(90),
      logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      certificateId: z.string().optional(),
      region: z.string().optional(),
    })
    .strict();
}
export type AgentConfig = z.infer<ReturnType<typeof agentConfigSchema>> & { outbox: string; avatarDir: string };

const FLAGS = {
  config: { type: 'string' },
  thing: { type: 'string' },
  endpoint: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  ca: { type: 'string' },
  mqtt: { type: 'string' },
  input: { type: 'string', multiple: true },
  outbox: { type: 'string' },
  'avatar-dir': { type: 'string' },
  'outbox-max-bytes': { type: 'string' },
  'outbox-policy': { type: 'string' },
  fsync: { type: 'string' },
  'batch-max-samples': { type: 'string' },
  'batch-max-bytes': { type: 'string' },
  'batch-interval': { type: 'string' },
  'sample-interval': { type: 'string' },
  'duty-cycle': { type: 'string' },
  'status-port': { type: 'string' },
  'watch-output': { type: 'string' },
  'max-publish-rate': { type: 'string' },
  'log-level': { type: 'string' },
  'claim-config': { type: 'string' },
  template: { type: 'string' },
  serial: { type: 'string' },
  'device-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `pulsepet agent --help`. */
export const agentUsage = (scenarios: readonly string[]): string => `usage: pulsepet agent [--config FILE] [flags]
       pulsepet agent --claim-config FILE [--template NAME] [--serial S] [--device-dir DIR] [flags]

  --config FILE            JSON written by 'pulsepet fleet provision' (flags override it)
  --thing NAME  --endpoint mqtts://host:port  --cert PATH  --key PATH  --ca PATH
  --claim-config FILE      first start by claim: the claim.config.json 'pulsepet fleet claim create'
                           wrote; without an identity in --device-dir the agent provisions itself
                           (fleet provisioning by claim, CSR made here), stores it, then runs as it
  --template NAME          fleet provisioning template (default: the claim config's)
  --serial S               SerialNumber parameter (default: /etc/machine-id, else the host name)
  --device-dir DIR         the device's identity and outbox (default .pulsepet/agent/device)
  --mqtt 3.1.1|5           protocol (default 3.1.1)
  --input SPEC             stdin | http:PORT | sim:${scenarios.join('|')} (repeatable; default stdin)
  --outbox DIR             durable outbox (default .pulsepet/agent/THING/outbox)
  --avatar-dir DIR         the pet's avatar image and partial downloads (default OUTBOX/avatar)
  --outbox-max-bytes N     bound on unacknowledged data (default 33554432)
  --outbox-policy P        drop-oldest | reject-new when full (default drop-oldest)
  --fsync P                always | interval:MS | never (default always, group commit)
  --batch-max-samples N    (default 120)   --batch-max-bytes N (default 32768)
  --batch-interval DUR     send a batch when its oldest sample is this old (default 10s)
  --sample-interval DUR    simulator sampling interval (default 1s)
  --duty-cycle DUR         connect, flush, sync shadows, disconnect once per period
  --status-port PORT       GET /healthz and /metrics on 127.0.0.1
  --watch-output SPEC      stdout | http://URL | file:PATH for pet states (default stdout)
  --max-publish-rate N     publishes/s per connection (default 90, IoT Core allows 100)
  --log-level LEVEL        (default info; logs go to stderr)`;

const camel = (k: string): string => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Flags of first start by claim; they never reach the agent config itself. */
const CLAIM_FLAGS = ['claim-config', 'template', 'serial', 'device-dir'] as const;
/** Flags that name an identity, which claim mode obtains instead. */
const IDENTITY_FLAGS = ['config', 'thing', 'endpoint', 'cert', 'key', 'ca'] as const;

/** `pulsepet agent --claim-config FILE [--template NAME] [--serial S] [--device-dir DIR]`. */
export interface ClaimArgs {
  claimConfig: string;
  /** default: the claim config's template */
  template?: string;
  serial: string;
  /** absolute */
  deviceDir: string;
  /** --log-level, for the provisioning that runs before the agent config is complete */
  logLevel: AgentConfig['logLevel'];
}

/** What `pulsepet agent`'s command line asks for. */
export type AgentArgs =
  | { mode: 'help' }
  | { mode: 'config'; config: Readonly<AgentConfig> }
  | {
      mode: 'claim';
      claim: ClaimArgs;
      /** the agent config once the device has its identity (flags override the identity's config file) */
      withIdentity: (identityConfigFile: string) => Readonly<AgentConfig>;
    };

function readFlags(argv: string[]): Record<string, unknown> {
  try {
    return parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError([(e as Error).message]);
  }
}

/** The `--config` file's fields, with its relative paths made relative to the file. */
function readConfigFile(path: string, problems: string[]): Record<string, unknown> {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      problems.push(`--config: ${path} is not a JSON object`);
      return {};
    }
    const fromFile = parsed as Record<string, unknown>;
    // Paths in the file are relative to the file, not to the working directory.
    for (const k of ['cert', 'key', 'ca', 'outbox', 'avatarDir']) {
      const v = fromFile[k];
      if (typeof v === 'string' && !isAbsolute(v)) fromFile[k] = resolve(dirname(path), v);
    }
    return fromFile;
  } catch (e) {
    problems.push(`--config: cannot read ${path}: ${(e as Error).message}`);
    return {};
  }
}

/** Flags over the config file, in the schema's (camelCase) keys. */
function mergeValues(values: Record<string, unknown>, problems: string[]): Record<string, unknown> {
  const merged: Record<string, unknown> = typeof values.config === 'string' ? readConfigFile(values.config, problems) : {};
  const skip = new Set<string>(['config', 'help', ...CLAIM_FLAGS]);
  for (const [k, v] of Object.entries(values)) if (!skip.has(k) && v !== undefined) merged[camel(k)] = v;
  if (typeof merged.input === 'string') merged.input = [merged.input];
  return merged;
}

function issuesAsProblems(issues: readonly z.core.$ZodIssue[], problems: string[]): void {
  for (const i of issues) {
    problems.push(i.path.length > 0 ? `--${kebab(String(i.path[0]))}${i.path.length > 1 ? `[${i.path.slice(1).join('.')}]` : ''}: ${i.message}` : i.message);
  }
}

function buildConfig(values: Record<string, unknown>, opts: AgentConfigOptions): Readonly<AgentConfig> {
  const problems: string[] = [];
  const merged = mergeValues(values, problems);
  const r = agentConfigSchema(opts.scenarios).safeParse(merged);
  if (!r.success) issuesAsProblems(r.error.issues, problems);
  if (problems.length > 0 || !r.success) throw new UsageError(problems);
  const outbox = r.data.outbox ?? join(opts.cwd ?? process.cwd(), '.pulsepet', 'agent', r.data.thing, 'outbox');
  const cfg = { ...r.data, outbox, avatarDir: r.data.avatarDir ?? join(outbox, 'avatar') };
  return Object.freeze(cfg);
}

/** Claim mode: its own flags, and every other flag checked now, before anything is provisioned. */
function claimArgs(values: Record<string, unknown>, opts: AgentConfigOptions & { defaultSerial: () => string }): ClaimArgs {
  const problems: string[] = [];
  for (const f of IDENTITY_FLAGS) if (values[f] !== undefined) problems.push(`--${f}: not with --claim-config (the device gets its identity by claim)`);
  const template = values.template as string | undefined;
  if (template !== undefined && !TEMPLATE_NAME_RE.test(template)) problems.push('--template: expected a provisioning template name ([0-9A-Za-z_-], 1..36 chars)');
  let serial = values.serial as string | undefined;
  if (serial !== undefined && !SERIAL_RE.test(serial)) problems.push(`--serial: expected ${SERIAL_RE}`);
  if (serial === undefined) {
    try {
      serial = opts.defaultSerial();
    } catch (e) {
      problems.push(`--serial: ${(e as Error).message}`);
    }
  }
  const others = agentConfigSchema(opts.scenarios).omit({ thing: true, endpoint: true, cert: true, key: true, ca: true }).safeParse(mergeValues(values, problems));
  if (!others.success) issuesAsProblems(others.error.issues, problems);
  if (problems.length > 0 || !others.success) throw new UsageError(problems);
  const deviceDir = resolve(opts.cwd ?? process.cwd(), (values['device-dir'] as string | undefined) ?? join('.pulsepet', 'agent', 'device'));
  return { claimConfig: values['claim-config'] as string, ...(template !== undefined ? { template } : {}), serial: serial as string, deviceDir, logLevel: others.data.logLevel };
}

/**
 * Parses `pulsepet agent`'s command line: `--help`; an identity (`--config FILE` and/or
 * `--thing … --ca`), validated once with the config file and returned frozen; or first
 * start by claim (`--claim-config FILE [--template NAME] [--serial S] [--device-dir DIR]`),
 * whose other flags are validated now and merged over the identity's config file once
 * the device has one. Every problem is reported together (UsageError → exit 2).
 *
 * @example
 * const args = parseAgentArgs(['--claim-config', 'claim/claim.config.json', '--serial', 'SN1'], { scenarios, defaultSerial });
 */
export function parseAgentArgs(argv: string[], opts: AgentConfigOptions & { defaultSerial: () => string }): AgentArgs {
  const values = readFlags(argv);
  if (values.help) return { mode: 'help' };
  if (values['claim-config'] === undefined) {
    const stray = CLAIM_FLAGS.filter((f) => values[f] !== undefined).map((f) => `--${f}: only with --claim-config FILE`);
    if (stray.length > 0) throw new UsageError(stray);
    return { mode: 'config', config: buildConfig(values, opts) };
  }
  const claim = claimArgs(values, opts);
  return { mode: 'claim', claim, withIdentity: (identityConfigFile) => buildConfig({ ...values, config: identityConfigFile }, opts) };
}

/**
 * Parses `pulsepet agent` flags and the optional `--config` file, validates the
 * merged result once and returns it frozen. Every problem is reported together
 * (UsageError → exit 2). Returns `'help'` for --help. Claim mode needs
 * {@link parseAgentArgs}.
 *
 * @example
 * parseAgentConfig(['--config', 'devices/pet-1/pet-1.config.json', '--input', 'sim:run'], { scenarios: ['rest', 'run'] });
 */
export function parseAgentConfig(argv: string[], opts: AgentConfigOptions): Readonly<AgentConfig> | 'help' {
  const a = parseAgentArgs(argv, { ...opts, defaultSerial: () => '' });
  if (a.mode === 'claim') throw new UsageError(['--claim-config: first start by claim runs through pulsepet agent']);
  return a.mode === 'help' ? 'help' : a.config;
}
