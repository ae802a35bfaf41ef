import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateThingCommand, DeleteThingCommand, DescribeThingCommand, ResourceNotFoundException } from '@aws-sdk/client-iot';
import { PulsepetError } from '../../protocol/errors';
import { type IssueOptions, issueCertificate, rollBack, type Undo } from './certificate';
import { call, describeAwsError, type FleetContext, FleetError } from './context';

export interface ProvisionOptions extends Omit<IssueOptions, 'policies'> {
  /** the policy the certificate gets */
  policy: string;
}

export interface ProvisionResult {
  thing: string;
  thingArn: string;
  certificateId: string;
  certificateArn: string;
  endpoint: string;
  configFile: string;
  certFile: string;
  keyFile: string;
  caFile: string;
  createdThing: boolean;
  /** true when the key file was written by us (not the CSR flow) */
  wroteKey: boolean;
}

/** Reads a CSR file; a clear usage error if it is not one. */
export function readCsr(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PulsepetError('PP_ERR_CONFIG', `cannot read CSR ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (!pem.includes('CERTIFICATE REQUEST-----')) throw new PulsepetError('PP_ERR_CONFIG', `${path} is not a PEM CSR`);
  return pem;
}

/** Retries an operation AWS may refuse briefly after a detach (eventual consistency). */
async function withSettleRetry(ctx: FleetContext, fn: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fn();
      return;
    } catch (e) {
      const name = (e as { cause?: { name?: string } }).cause?.name;
      if (attempt >= 4 || name !== 'InvalidRequestException') throw e;
      await ctx.sleep(250 * 2 ** attempt);
    }
  }
}

/**
 * Provisions one device the way AWS documents it: thing, certificate (ACTIVE), the
 * device policy and the thing attached to the certificate, the ATS endpoint, and the
 * files the agent needs. If any step fails, everything created so far is undone; if
 * undoing fails too, the error says exactly what was left behind.
 * https://docs.aws.amazon.com/iot/latest/developerguide/single-thing-provisioning.html
 */
export async function provisionThing(ctx: FleetContext, opts: ProvisionOptions): Promise<ProvisionResult> {
  refuseExistingFiles(opts.thing, opts.outDir);
  const undos: Undo[] = [];
  try {
    const { thingArn, createdThing } = await findOrCreateThing(ctx, opts.thing, undos);
    const issued = await issueCertificate(ctx, { ...opts, policies: [opts.policy] }, undos);
    return {
      thing: opts.thing,
      thingArn,
      certificateId: issued.certificateId,
      certificateArn: issued.certificateArn,
      endpoint: issued.endpoint,
      configFile: issued.files.configFile,
      certFile: issued.files.certFile,
      keyFile: issued.files.config.key,
      caFile: issued.files.caFile,
      createdThing,
      wroteKey: issued.wroteKey,
    };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    const left = await rollBack(undos);
    throw new FleetError(`provisioning ${opts.thing} failed: ${reason} (${rollbackOutcome(undos, left)})`, e);
  }
}

/** Never overwrite a device's key material: its certificate may be live in the field. */
export function refuseExistingFiles(thing: string, outDir: string): void {
  const existing = [`${thing}.config.json`, `${thing}.private.key`, `${thing}.cert.pem`].filter((f) => existsSync(join(outDir, f)));
  if (existing.length > 0) {
    throw new FleetError(
      `${thing} already has device files in ${outDir} (${existing.join(', ')}); nothing was created. ` +
        `Use 'pulsepet fleet rotate ${thing}' for a new certificate, or choose another --out`,
    );
  }
}

/** The thing's ARN, creating the thing (with its undo) when it does not exist yet. */
async function findOrCreateThing(
  ctx: FleetContext,
  thingName: string,
  undos: Undo[],
): Promise<{ thingArn: string; createdThing: boolean }> {
  const { iot } = ctx;
  try {
    const existing = await iot.send(new DescribeThingCommand({ thingName }));
    return { thingArn: existing.thingArn ?? '', createdThing: false };
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException)) {
      throw new FleetError(`DescribeThing failed: ${describeAwsError(ctx, e)}`, e);
    }
  }
  const created = await call(ctx, 'CreateThing', () => iot.send(new CreateThingCommand({ thingName })));
  undos.push({
    what: `thing ${thingName}`,
    run: () => withSettleRetry(ctx, () => call(ctx, 'DeleteThing', () => iot.send(new DeleteThingCommand({ thingName }))).then(() => {})),
  });
  return { thingArn: created.thingArn ?? '', createdThing: true };
}

/** The tail of a failed provisioning's message: what the rollback achieved. */
export function rollbackOutcome(undos: readonly Undo[], left: readonly string[]): string {
  if (undos.length === 0) return 'nothing was created';
  return left.length === 0 ? 'rolled back everything it created' : `rollback incomplete, left behind: ${left.join('; ')}`;
}

/** Thing names for bulk provisioning: P-0001 … (wider when N needs it). */
export function bulkNames(prefix: string, count: number): string[] {
  const width = Math.max(4, String(count).length);
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(width, '0')}`);
}

/** Runs `fn` over `items` with at most `concurrency` in flight, in order of start. */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
