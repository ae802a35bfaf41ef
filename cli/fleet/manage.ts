import {
  DescribeCertificateCommand,
  DescribeThingCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  ListAttachedPoliciesCommand,
  ListThingPrincipalsCommand,
  ListThingsCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { DEVICE_POLICY_NAME } from '../../protocol/policies';
import { type IssueOptions, issueCertificate, rollBack, type Undo } from './certificate';
import { call, type FleetContext, FleetError } from './context';

const CERT_ARN_RE = /:cert\/([0-9a-f]{64})$/;

/** The certificate id inside a certificate ARN, or undefined for other principals. */
export function certificateIdOf(principalArn: string): string | undefined {
  return CERT_ARN_RE.exec(principalArn)?.[1];
}

export interface CertificateSummary {
  certificateId: string;
  certificateArn: string;
  status: string;
}

export interface ThingSummary {
  thing: string;
  certificates: CertificateSummary[];
}

async function allThings(ctx: FleetContext): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const r = await call(ctx, 'ListThings', () => ctx.iot.send(new ListThingsCommand({ maxResults: 100, nextToken })));
    for (const t of r.things ?? []) if (t.thingName) names.push(t.thingName);
    nextToken = r.nextToken;
  } while (nextToken);
  return names;
}

async function principalsOf(ctx: FleetContext, thing: string): Promise<string[]> {
  const out: string[] = [];
  let nextToken: string | undefined;
  do {
    const r = await call(ctx, 'ListThingPrincipals', () =>
      ctx.iot.send(new ListThingPrincipalsCommand({ thingName: thing, maxResults: 100, nextToken })),
    );
    out.push(...(r.principals ?? []));
    nextToken = r.nextToken;
  } while (nextToken);
  return out;
}

async function certificatesOf(ctx: FleetContext, thing: string): Promise<CertificateSummary[]> {
  const out: CertificateSummary[] = [];
  for (const arn of await principalsOf(ctx, thing)) {
    const id = certificateIdOf(arn);
    if (!id) continue;
    const d = await call(ctx, 'DescribeCertificate', () =>
      ctx.iot.send(new DescribeCertificateCommand({ certificateId: id })),
    );
    out.push({ certificateId: id, certificateArn: arn, status: d.certificateDescription?.status ?? 'UNKNOWN' });
  }
  return out;
}

async function policiesOf(ctx: FleetContext, target: string): Promise<string[]> {
  const out: string[] = [];
  let marker: string | undefined;
  do {
    const r = await call(ctx, 'ListAttachedPolicies', () =>
      ctx.iot.send(new ListAttachedPoliciesCommand({ target, pageSize: 100, marker })),
    );
    for (const p of r.policies ?? []) if (p.policyName) out.push(p.policyName);
    marker = r.nextMarker;
  } while (marker);
  return out;
}

/** `fleet list`: every thing with its certificates' status. */
export async function listFleet(ctx: FleetContext): Promise<ThingSummary[]> {
  const out: ThingSummary[] = [];
  for (const thing of await allThings(ctx)) out.push({ thing, certificates: await certificatesOf(ctx, thing) });
  return out;
}

export interface ThingDetails {
  thing: string;
  thingArn: string;
  version: number;
  attributes: Record<string, string>;
  certificates: Array<CertificateSummary & { policies: string[] }>;
}

/** `fleet describe THING`: the thing, its certificates and their policies. */
export async function describeThing(ctx: FleetContext, thing: string): Promise<ThingDetails> {
  const d = await call(ctx, 'DescribeThing', () => ctx.iot.send(new DescribeThingCommand({ thingName: thing })));
  const certificates: ThingDetails['certificates'] = [];
  for (const c of await certificatesOf(ctx, thing)) {
    certificates.push({ ...c, policies: await policiesOf(ctx, c.certificateArn) });
  }
  return {
    thing,
    thingArn: d.thingArn ?? '',
    version: d.version ?? 0,
    attributes: d.attributes ?? {},
    certificates,
  };
}

/** `fleet revoke THING|CERT_ID`: REVOKED for that certificate or all of the thing's. */
export async function revoke(ctx: FleetContext, target: string): Promise<string[]> {
  const ids = /^[0-9a-f]{64}$/.test(target)
    ? [target]
    : (await certificatesOf(ctx, target)).map((c) => c.certificateId);
  if (ids.length === 0) throw new FleetError(`thing ${target} has no certificates to revoke`);
  for (const certificateId of ids) {
    await call(ctx, 'UpdateCertificate', () =>
      ctx.iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'REVOKED' })),
    );
  }
  return ids;
}

export interface RotateOptions extends Omit<IssueOptions, 'policies'> {
  /** how long the old certificates stay usable (devices reconnect with the new files) */
  graceMs: number;
  /** policy for the new certificate; default: the old certificates' policies */
  policy?: string;
}

export interface RotateResult {
  thing: string;
  certificateId: string;
  certificateArn: string;
  retired: string[];
  policies: string[];
  configFile: string;
  graceMs: number;
}

/**
 * `fleet rotate`: a new certificate with the same policies is attached and the
 * device files are replaced; after the grace period (devices reconnect with the new
 * files) the old certificates are set INACTIVE and detached.
 * https://docs.aws.amazon.com/iot/latest/developerguide/device-certs-rotate.html
 */
export async function rotate(ctx: FleetContext, opts: RotateOptions): Promise<RotateResult> {
  await call(ctx, 'DescribeThing', () => ctx.iot.send(new DescribeThingCommand({ thingName: opts.thing })));
  const old = await oldCertificates(ctx, opts.thing);
  const inherited = [...new Set([...old.values()].flat())].sort();
  const policies = opts.policy !== undefined ? [opts.policy] : inherited.length > 0 ? inherited : [DEVICE_POLICY_NAME];
  const undos: Undo[] = [];
  let result: RotateResult;
  try {
    const issued = await issueCertificate(ctx, { ...opts, policies }, undos);
    result = {
      thing: opts.thing,
      certificateId: issued.certificateId,
      certificateArn: issued.certificateArn,
      retired: [...old.keys()].map((a) => certificateIdOf(a) ?? a),
      policies,
      configFile: issued.files.configFile,
      graceMs: opts.graceMs,
    };
  } catch (e) {
    const left = await rollBack(undos);
    const tail = left.length === 0 ? 'the old certificate is untouched' : `left behind: ${left.join('; ')}`;
    throw new FleetError(`rotating ${opts.thing} failed: ${(e as Error).message} (${tail})`, e);
  }
  if (opts.graceMs > 0) await ctx.sleep(opts.graceMs);
  for (const [arn, policyNames] of old) await retireOldCertificate(ctx, opts.thing, arn, policyNames, result);
  return result;
}

/** The thing's certificates (by ARN, in attachment order) with the policies each has. */
async function oldCertificates(ctx: FleetContext, thing: string): Promise<Map<string, string[]>> {
  const old = new Map<string, string[]>();
  for (const arn of await principalsOf(ctx, thing)) {
    if (certificateIdOf(arn) !== undefined) old.set(arn, await policiesOf(ctx, arn));
  }
  return old;
}

/** After the grace period: INACTIVE, detached from the thing, its policies detached. */
async function retireOldCertificate(
  ctx: FleetContext,
  thingName: string,
  arn: string,
  policyNames: readonly string[],
  replacement: RotateResult,
): Promise<void> {
  const certificateId = certificateIdOf(arn) ?? '';
  try {
    await call(ctx, 'UpdateCertificate', () =>
      ctx.iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' })),
    );
    await call(ctx, 'DetachThingPrincipal', () => ctx.iot.send(new DetachThingPrincipalCommand({ thingName, principal: arn })));
    for (const policyName of policyNames) {
      await call(ctx, 'DetachPolicy', () => ctx.iot.send(new DetachPolicyCommand({ policyName, target: arn })));
    }
  } catch (e) {
    throw new FleetError(
      `new certificate ${replacement.certificateId} is active and written to ${replacement.configFile}, ` +
        `but retiring old certificate ${certificateId} failed: ${(e as Error).message}`,
      e,
    );
  }
}
