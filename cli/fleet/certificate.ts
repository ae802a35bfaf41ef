import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreateKeysAndCertificateCommand,
  DeleteCertificateCommand,
  DescribeEndpointCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { call, type FleetContext, FleetError } from './context';
import { type DeviceConfig, type DeviceFiles, mqttsEndpoint, writeDeviceFiles } from './files';

/** One undo step, recorded after each step that changed something. */
export interface Undo {
  what: string;
  run: () => Promise<void>;
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

export interface IssueOptions {
  thing: string;
  /** policies the new certificate gets, attached in this order */
  policies: readonly string[];
  /** folder for the thing's files */
  outDir: string;
  rootCaPath: string;
  /** PEM CSR: the device keeps its key (CreateCertificateFromCsr) */
  csrPem?: string;
  /** where the CSR's private key lives, recorded in the config */
  keyPath?: string;
}

export interface IssuedCertificate {
  certificateId: string;
  certificateArn: string;
  endpoint: string;
  files: DeviceFiles & { config: DeviceConfig };
  /** true when the key file was written by us (not the CSR flow) */
  wroteKey: boolean;
}

/**
 * The steps provision and rotate share: an ACTIVE certificate, its policies, the
 * attachment to the thing, the ATS endpoint, and the device files. Each step that
 * changed something pushes its undo onto `undos` before the next one starts, so the
 * caller can roll back whatever a failure leaves.
 * https://docs.aws.amazon.com/iot/latest/developerguide/single-thing-provisioning.html
 */
export async function issueCertificate(ctx: FleetContext, opts: IssueOptions, undos: Undo[]): Promise<IssuedCertificate> {
  const cert = await createCertificate(ctx, opts.csrPem);
  const { certificateId, certificateArn, privateKey } = cert;
  undos.push({ what: `certificate ${certificateId} (ACTIVE)`, run: () => retireCertificate(ctx, certificateId) });
  for (const policyName of opts.policies) await attachPolicy(ctx, policyName, certificateId, certificateArn, undos);
  await attachToThing(ctx, opts.thing, certificateId, certificateArn, undos);
  const endpoint = await atsEndpoint(ctx);
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
  return { certificateId, certificateArn, endpoint, files, wroteKey: privateKey !== undefined };
}

async function attachPolicy(ctx: FleetContext, policyName: string, certificateId: string, target: string, undos: Undo[]): Promise<void> {
  await call(ctx, 'AttachPolicy', () => ctx.iot.send(new AttachPolicyCommand({ policyName, target })));
  undos.push({
    what: `policy ${policyName} attached to certificate ${certificateId}`,
    run: () => call(ctx, 'DetachPolicy', () => ctx.iot.send(new DetachPolicyCommand({ policyName, target }))).then(() => {}),
  });
}

async function attachToThing(ctx: FleetContext, thingName: string, certificateId: string, principal: string, undos: Undo[]): Promise<void> {
  await call(ctx, 'AttachThingPrincipal', () => ctx.iot.send(new AttachThingPrincipalCommand({ thingName, principal })));
  undos.push({
    what: `certificate ${certificateId} attached to thing ${thingName}`,
    run: () =>
      call(ctx, 'DetachThingPrincipal', () => ctx.iot.send(new DetachThingPrincipalCommand({ thingName, principal }))).then(() => {}),
  });
}

/** The account's ATS data endpoint as an mqtts URL (what devices connect to). */
export async function atsEndpoint(ctx: FleetContext): Promise<string> {
  const ep = await call(ctx, 'DescribeEndpoint', () => ctx.iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' })));
  if (!ep.endpointAddress) throw new FleetError('DescribeEndpoint returned no endpointAddress');
  return mqttsEndpoint(ep.endpointAddress);
}
