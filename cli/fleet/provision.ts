import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DeleteCertificateCommand,
  DeleteThingCommand,
  DescribeEndpointCommand,
  DescribeThingCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  ResourceNotFoundException,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { PulsepetError } from '../../protocol/errors';
import { call, describeAwsError, type FleetContext, FleetError } from './context';
import { mqttsEndpoint, writeDeviceFiles } from './files';

export interface ProvisionOptions {
  thing: string;
  /** folder for this thing's files */
  outDir: string;
  /** PEM CSR: the device keeps its key (CreateCertificateFromCsr) */
  csrPem?: string;
  /** where the CSR's private key lives, recorded in the config */
  keyPath?: string;
  policy: string;
  rootCaPath: string;
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

/** One undo step, recorded after each step that changed something. */
interface Undo {
  what: string;
  run: () => Promise<void>;
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

/** Deactivates then deletes a certificate; on failure says which state it was left in. */
export async function retireCertificate(ctx: FleetContext, certificateId: string): Promise<void> {
  await call(ctx, 'UpdateCertificate', () =>
    ctx.iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' })),
  );
  try {
    await call(ctx, 'DeleteCertificate', () => ctx.iot.send(new DeleteCertificateCommand({ certificateId })));
  } catch (e) {
    throw Object.assign(e as Error, { leftBehind: `certificate ${certificateId} (INACTIVE, not deleted)` });
  }
}

/** Runs undo steps newest first; returns what could not be undone. */
export async function rollBack(undos: Undo[]): Promise<string[]> {
  const left: string[] = [];
  for (const u of [...undos].reverse()) {
    try {
      await u.run();
    } catch (e) {
      const precise = (e as { leftBehind?: unknown }).leftBehind;
      left.push(typeof precise === 'string' ? precise : u.what);
    }
  }
  return left;
}

/** A new ACTIVE certificate: from the CSR (key stays with the device) or with a new key pair. */
export async function createCertificate(
  ctx: FleetContext,
  csrPem: string | undefined,
): Promise<{ certificateId: string; certificateArn: string; certificatePem: string; privateKey?: string }> {
  const { iot } = ctx;
  if (csrPem !== undefined) {
    const r = await call(ctx, 'CreateCertificateFromCsr', () =>
      iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: csrPem, setAsActive: true })),
    );
    return { certificateId: r.certificateId ?? '', certificateArn: r.certificateArn ?? '', certificatePem: r.certificatePem ?? '' };
  }
  const r = await call(ctx, 'CreateKeysAndCertificate', () =>
    iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true })),
  );
  const out = { certificateId: r.certificateId ?? '', certificateArn: r.certificateArn ?? '', certificatePem: r.certificatePem ?? '' };
  return r.keyPair?.PrivateKey === undefined ? out : { ...out, privateKey: r.keyPair.PrivateKey };
}

/**
 * Provisions one device the way AWS documents it: thing, certificate (ACTIVE), the
 * device policy and the thing attached to the certificate, the ATS endpoint, and the
 * files the agent needs. If any step fails, everything created so far is undone; if
 * undoing fails too, the error says exactly what was left behind.
 * https://docs.aws.amazon.com/iot/latest/developerguide/single-thing-provisioning.html
 */
export async function provisionThing(ctx: FleetContext, opts: ProvisionOptions): Promise<ProvisionResult> {
  const { iot } = ctx;
  // Never overwrite a device's key material: its certificate may be live in the field.
  const existing = [`${opts.thing}.config.json`, `${opts.thing}.private.key`, `${opts.thing}.cert.pem`].filter((f) =>
    existsSync(join(opts.outDir, f)),
  );
  if (existing.length > 0) {
    throw new FleetError(
      `${opts.thing} already has device files in ${opts.outDir} (${existing.join(', ')}); nothing was created. ` +
        `Use 'pulsepet fleet rotate ${opts.thing}' for a new certificate, or choose another --out`,
    );
  }
  const undos: Undo[] = [];
  try {
    let createdThing = false;
    let thingArn: string;
    try {
      const existing = await iot.send(new DescribeThingCommand({ thingName: opts.thing }));
      thingArn = existing.thingArn ?? '';
    } catch (e) {
      if (!(e instanceof ResourceNotFoundException)) {
        throw new FleetError(`DescribeThing failed: ${describeAwsError(ctx, e)}`, e);
      }
      const created = await call(ctx, 'CreateThing', () => iot.send(new CreateThingCommand({ thingName: opts.thing })));
      thingArn = created.thingArn ?? '';
      createdThing = true;
      undos.push({
        what: `thing ${opts.thing}`,
        run: () =>
          withSettleRetry(ctx, () =>
            call(ctx, 'DeleteThing', () => iot.send(new DeleteThingCommand({ thingName: opts.thing }))).then(() => {}),
          ),
      });
    }

    const cert = await createCertificate(ctx, opts.csrPem);
    const { certificateId, certificateArn, privateKey } = cert;
    undos.push({ what: `certificate ${certificateId} (ACTIVE)`, run: () => retireCertificate(ctx, certificateId) });

    await call(ctx, 'AttachPolicy', () =>
      iot.send(new AttachPolicyCommand({ policyName: opts.policy, target: certificateArn })),
    );
    undos.push({
      what: `policy ${opts.policy} attached to certificate ${certificateId}`,
      run: () =>
        call(ctx, 'DetachPolicy', () =>
          iot.send(new DetachPolicyCommand({ policyName: opts.policy, target: certificateArn })),
        ).then(() => {}),
    });

    await call(ctx, 'AttachThingPrincipal', () =>
      iot.send(new AttachThingPrincipalCommand({ thingName: opts.thing, principal: certificateArn })),
    );
    undos.push({
      what: `certificate ${certificateId} attached to thing ${opts.thing}`,
      run: () =>
        call(ctx, 'DetachThingPrincipal', () =>
          iot.send(new DetachThingPrincipalCommand({ thingName: opts.thing, principal: certificateArn })),
        ).then(() => {}),
    });

    const ep = await call(ctx, 'DescribeEndpoint', () =>
      iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' })),
    );
    if (!ep.endpointAddress) throw new FleetError('DescribeEndpoint returned no endpointAddress');
    const endpoint = mqttsEndpoint(ep.endpointAddress);

    const files = writeDeviceFiles({
      outDir: opts.outDir,
      thing: opts.thing,
      certificatePem: cert.certificatePem,
      ...(privateKey !== undefined ? { privateKeyPem: privateKey } : {}),
      ...(opts.keyPath !== undefined ? { keyPath: opts.keyPath } : {}),
      rootCaPath: opts.rootCaPath,
      certificateId,
      endpoint,
      region: ctx.region,
    });
    return {
      thing: opts.thing,
      thingArn,
      certificateId,
      certificateArn,
      endpoint,
      configFile: files.configFile,
      certFile: files.certFile,
      keyFile: files.config.key,
      caFile: files.caFile,
      createdThing,
      wroteKey: privateKey !== undefined,
    };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    const left = await rollBack(undos);
    const tail =
      undos.length === 0
        ? 'nothing was created'
        : left.length === 0
          ? 'rolled back everything it created'
          : `rollback incomplete, left behind: ${left.join('; ')}`;
    throw new FleetError(`provisioning ${opts.thing} failed: ${reason} (${tail})`, e);
  }
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
