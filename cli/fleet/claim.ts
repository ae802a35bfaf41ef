/**
 * `pulsepet fleet claim create --template NAME`: a claim certificate for a factory line
 * (fleet provisioning by claim, https://docs.aws.amazon.com/iot/latest/developerguide/provision-wo-cert.html):
 * an ACTIVE certificate with only the claim policy of that template attached, and the
 * claim folder devices are made with (`pulsepet agent --claim-config DIR/claim.config.json`).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribeProvisioningTemplateCommand,
  GetPolicyCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-iot';
import { z } from 'zod';
import { removeStaleTemps, writeFileAtomic } from '../../common/atomic-files';
import { type FlagSpec, parseFlags, UsageError } from '../../common/cli-config';
import { CLAIM_CONFIG_FILE, type ClaimConfig, ClaimConfigSchema } from '../../device-agent/claim-config';
import { CLAIM_POLICY_NAME, claimPolicyDocument } from '../../protocol/policies';
import { atsEndpoint, attachPolicy, createCertificate, retireCertificate, rollBack, type Undo } from './certificate';
import { call, describeAwsError, type FleetContext, FleetError } from './context';
import { readRootCa, removeFiles } from './files';
import { BaseFlags } from './flags';
import { rollbackOutcome } from './provision';
import { templateName, type WithContext } from './template';

/** `fleet claim create --template NAME [--out DIR] [--root-ca FILE]`. */
export const ClaimFlags = BaseFlags.extend({
  action: z.literal('create', { message: 'expected create (fleet claim create --template NAME)' }),
  template: templateName,
  out: z.string().min(1).optional(),
  'root-ca': z.string().min(1).optional(),
});

/** The claim folder's files. */
export const CLAIM_FILES = { cert: 'claim.cert.pem', key: 'claim.private.key', ca: 'root-ca.pem', config: CLAIM_CONFIG_FILE } as const;

/** The per-template claim policy: `pulsepet-claim-TEMPLATE`, the `pulsepet-claim` document narrowed to that template. */
export const claimPolicyName = (template: string): string => `${CLAIM_POLICY_NAME}-${template}`;

export interface ClaimResult {
  template: string;
  certificateId: string;
  certificateArn: string;
  policy: string;
  createdPolicy: boolean;
  endpoint: string;
  dir: string;
  configFile: string;
}

const positionals = (v: Record<string, unknown>, pos: string[]): Record<string, unknown> => {
  if (pos.length > 1) throw new UsageError([`unexpected arguments: ${pos.slice(1).join(' ')}`]);
  return { ...v, action: pos[0] };
};

/** `pulsepet fleet claim create …`: exit 0, or 2 with the reason (thrown to cli/fleet.ts). */
export async function claimCommand(argv: string[], spec: FlagSpec, withContext: WithContext, rootCa: (flag: string | undefined, ctx: FleetContext) => string): Promise<number> {
  const f = parseFlags(argv, spec, ClaimFlags, positionals);
  return withContext(f.region, async (ctx) => {
    const r = await createClaim(ctx, { template: f.template, outDir: f.out ?? join('claims', f.template), rootCaPath: rootCa(f['root-ca'], ctx) });
    ctx.stdout.write(
      f.json
        ? `${JSON.stringify(r)}\n`
        : `claim certificate ${r.certificateId} ACTIVE for template ${r.template} (policy ${r.policy}), endpoint ${r.endpoint}, config ${r.configFile}\n`,
    );
    return 0;
  });
}

/**
 * Creates the claim: checks the template exists, creates (or reuses) its claim policy,
 * an ACTIVE certificate with that policy, and writes the claim folder. Anything it
 * created is undone if a later step fails. Existing claim files are never overwritten.
 */
export async function createClaim(ctx: FleetContext, o: { template: string; outDir: string; rootCaPath: string }): Promise<ClaimResult> {
  const dir = resolve(o.outDir);
  const existing = Object.values(CLAIM_FILES).filter((f) => existsSync(join(dir, f)));
  if (existing.length > 0) throw new FleetError(`${dir} already holds a claim (${existing.join(', ')}); nothing was created. Choose another --out`);
  await requireFleetTemplate(ctx, o.template);
  const undos: Undo[] = [];
  try {
    const { policy, created } = await ensureClaimPolicy(ctx, o.template, undos);
    const cert = await createCertificate(ctx, undefined);
    undos.push({ what: `certificate ${cert.certificateId} (ACTIVE)`, run: () => retireCertificate(ctx, cert.certificateId) });
    await attachPolicy(ctx, policy, cert.certificateId, cert.certificateArn, undos);
    const endpoint = await atsEndpoint(ctx);
    const config = ClaimConfigSchema.parse({
      endpoint,
      cert: CLAIM_FILES.cert,
      key: CLAIM_FILES.key,
      ca: CLAIM_FILES.ca,
      template: o.template,
      certificateId: cert.certificateId,
      policy,
      region: ctx.region,
    } satisfies ClaimConfig);
    writeClaimFolder(dir, { certificatePem: cert.certificatePem, privateKeyPem: cert.privateKey ?? '', caPem: readRootCa(o.rootCaPath), config });
    return { template: o.template, certificateId: cert.certificateId, certificateArn: cert.certificateArn, policy, createdPolicy: created, endpoint, dir, configFile: join(dir, CLAIM_FILES.config) };
  } catch (e) {
    const left = await rollBack(undos);
    throw new FleetError(`creating a claim for template ${o.template} failed: ${(e as Error).message} (${rollbackOutcome(undos, left)})`, e);
  }
}

async function requireFleetTemplate(ctx: FleetContext, template: string): Promise<void> {
  try {
    const t = await ctx.iot.send(new DescribeProvisioningTemplateCommand({ templateName: template }));
    if (t.type !== undefined && t.type !== 'FLEET_PROVISIONING') throw new FleetError(`template ${template} is a ${t.type} template; a claim needs a FLEET_PROVISIONING one`);
  } catch (e) {
    if (e instanceof FleetError) throw e;
    if (e instanceof ResourceNotFoundException) {
      throw new FleetError(`template ${template} not found; nothing was created. Create it first: pulsepet fleet template create ${template} --file template.json`, e);
    }
    throw new FleetError(`DescribeProvisioningTemplate failed: ${describeAwsError(ctx, e)}`, e);
  }
}

const canonical = (doc: string): string => JSON.stringify(JSON.parse(doc));

/** Creates the template's claim policy, or reuses it when it already holds the same document. */
async function ensureClaimPolicy(ctx: FleetContext, template: string, undos: Undo[]): Promise<{ policy: string; created: boolean }> {
  const policyName = claimPolicyName(template);
  const policyDocument = claimPolicyDocument([template]);
  try {
    await ctx.iot.send(new CreatePolicyCommand({ policyName, policyDocument }));
    undos.push({ what: `policy ${policyName}`, run: () => call(ctx, 'DeletePolicy', () => ctx.iot.send(new DeletePolicyCommand({ policyName }))).then(() => {}) });
    return { policy: policyName, created: true };
  } catch (e) {
    if (!(e instanceof ResourceAlreadyExistsException)) throw new FleetError(`CreatePolicy failed: ${describeAwsError(ctx, e)}`, e);
  }
  const current = await call(ctx, 'GetPolicy', () => ctx.iot.send(new GetPolicyCommand({ policyName })));
  if (canonical(current.policyDocument ?? '{}') !== canonical(policyDocument)) {
    throw new FleetError(`policy ${policyName} exists with another document than the claim policy of template ${template}; delete it (or restore it) first`);
  }
  return { policy: policyName, created: false };
}

/** The claim folder: certificate, key (0600), root CA, then the config (each written atomically). */
function writeClaimFolder(dir: string, c: { certificatePem: string; privateKeyPem: string; caPem: string; config: ClaimConfig }): void {
  const written: string[] = [];
  const put = (name: string, data: string, mode: number) => {
    const path = join(dir, name);
    removeStaleTemps(path);
    writeFileAtomic(path, data, mode);
    written.push(path);
  };
  try {
    if (!c.privateKeyPem) throw new FleetError('CreateKeysAndCertificate returned no private key');
    put(CLAIM_FILES.cert, c.certificatePem, 0o644);
    put(CLAIM_FILES.key, c.privateKeyPem, 0o600);
    put(CLAIM_FILES.ca, c.caPem, 0o644);
    put(CLAIM_FILES.config, `${JSON.stringify(c.config, null, 2)}\n`, 0o644);
  } catch (e) {
    removeFiles(written);
    throw new FleetError(`cannot write the claim folder ${dir}: ${(e as Error).message}`, e);
  }
}
