import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DescribeCACertificateCommand,
  DescribeProvisioningTemplateCommand,
  GetRegistrationCodeCommand,
  RegisterCACertificateCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  UpdateCACertificateCommand,
} from '@aws-sdk/client-iot';
import {
  type CaMaterial,
  createCa,
  createVerificationCertificate,
  issueDeviceCertificate,
  operatorCa,
  writePrivateKeyFile,
} from '../../certs/index';
import { PulsepetError } from '../../protocol/errors';
import { atsEndpoint } from './certificate';
import { call, describeAwsError, type FleetContext, FleetError } from './context';
import { writeDeviceFiles } from './files';
import { refuseExistingFiles } from './provision';

/** Reads an operator CA's certificate and key and checks they belong together. */
export function readOperatorCa(certPath: string, keyPath: string): CaMaterial {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw new PulsepetError('PP_ERR_CONFIG', `cannot read ${what} ${path}: ${(e as Error).message}`, { cause: e });
    }
  };
  const certificatePem = read(certPath, 'CA certificate');
  const privateKeyPem = read(keyPath, 'CA key');
  try {
    return operatorCa({ certificatePem, privateKeyPem });
  } catch (e) {
    throw new PulsepetError('PP_ERR_CONFIG', `${(e as Error).message} (--ca-cert ${certPath}, --ca-key ${keyPath})`, { cause: e });
  }
}

export interface CreatedCa {
  certificateId: string;
  certFile: string;
  keyFile: string;
}

/**
 * `fleet ca create`: a self-signed EC P-256 CA for testing JITP (a real fleet uses the
 * manufacturer's CA). Never overwrites: an existing CA in DIR is refused.
 */
export async function createOperatorCa(outDir: string, commonName: string): Promise<CreatedCa> {
  const dir = resolve(outDir);
  const certFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'ca.key');
  const existing = [certFile, keyFile].filter((f) => existsSync(f));
  if (existing.length > 0) throw new FleetError(`a CA already exists in ${dir} (${existing.join(', ')}); nothing was written`);
  const ca = await createCa({ commonName });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // key first: a certificate file is never left without its key
  writePrivateKeyFile(`${keyFile}.tmp-${process.pid}`, ca.privateKeyPem);
  renameSync(`${keyFile}.tmp-${process.pid}`, keyFile);
  writeFileSync(`${certFile}.tmp-${process.pid}`, ca.certificatePem, { mode: 0o644 });
  renameSync(`${certFile}.tmp-${process.pid}`, certFile);
  return { certificateId: ca.certificateId, certFile, keyFile };
}

export interface RegisteredCa {
  certificateId: string;
  certificateArn: string;
  status: 'ACTIVE';
  autoRegistrationStatus: 'ENABLE' | 'DISABLE';
  template?: string;
  /** false when the CA was registered already and was updated instead */
  created: boolean;
}

/** A named provisioning template must exist and be of type JITP to be a CA's registration config. */
async function checkJitpTemplate(ctx: FleetContext, templateName: string): Promise<void> {
  let t: { type?: string; enabled?: boolean };
  try {
    t = await ctx.iot.send(new DescribeProvisioningTemplateCommand({ templateName }));
  } catch (e) {
    if (e instanceof ResourceNotFoundException) {
      throw new FleetError(`provisioning template ${templateName} not found; create it first (type JITP)`, e);
    }
    throw new FleetError(`DescribeProvisioningTemplate failed: ${describeAwsError(ctx, e)}`, e);
  }
  if (t.type !== 'JITP') {
    throw new FleetError(`provisioning template ${templateName} is of type ${t.type ?? 'unknown'}; a CA's registration config needs a JITP template (pulsepet fleet template create NAME --file template.json --type JITP)`);
  }
  if (t.enabled === false) ctx.stderr.write(`warning: provisioning template ${templateName} is disabled; devices are not provisioned until it is enabled\n`);
}

/**
 * `fleet ca register`: proves possession of the CA key the way AWS asks (GetRegistrationCode,
 * a verification certificate with that code as CN signed by the CA, RegisterCACertificate),
 * ACTIVE; with a template, auto-registration is enabled and the CA's registration config names
 * it, so devices are provisioned on first connect (JITP). A CA registered already is updated
 * to the same state. https://docs.aws.amazon.com/iot/latest/developerguide/register-CA-cert.html
 */
export async function registerOperatorCa(ctx: FleetContext, ca: CaMaterial, templateName?: string): Promise<RegisteredCa> {
  if (templateName !== undefined) await checkJitpTemplate(ctx, templateName);
  const { registrationCode } = await call(ctx, 'GetRegistrationCode', () => ctx.iot.send(new GetRegistrationCodeCommand({})));
  if (!registrationCode) throw new FleetError('GetRegistrationCode returned no registration code');
  const verificationCertificate = await createVerificationCertificate(ca, registrationCode);
  const auto = templateName !== undefined;
  const registrationConfig = auto ? { registrationConfig: { templateName } } : {};
  const base = { status: 'ACTIVE' as const, autoRegistrationStatus: auto ? ('ENABLE' as const) : ('DISABLE' as const), ...(auto ? { template: templateName } : {}) };
  try {
    const r = await ctx.iot.send(
      new RegisterCACertificateCommand({
        caCertificate: ca.certificatePem,
        verificationCertificate,
        setAsActive: true,
        allowAutoRegistration: auto,
        ...registrationConfig,
      }),
    );
    return { certificateId: r.certificateId ?? ca.certificateId, certificateArn: r.certificateArn ?? '', ...base, created: true };
  } catch (e) {
    if (!(e instanceof ResourceAlreadyExistsException)) throw new FleetError(`RegisterCACertificate failed: ${describeAwsError(ctx, e)}`, e);
  }
  const certificateId = ca.certificateId;
  await call(ctx, 'UpdateCACertificate', () =>
    ctx.iot.send(
      new UpdateCACertificateCommand({
        certificateId,
        newStatus: 'ACTIVE',
        ...(auto ? { newAutoRegistrationStatus: 'ENABLE' as const, ...registrationConfig } : {}),
      }),
    ),
  );
  const d = await call(ctx, 'DescribeCACertificate', () => ctx.iot.send(new DescribeCACertificateCommand({ certificateId })));
  const autoRegistrationStatus = d.certificateDescription?.autoRegistrationStatus === 'ENABLE' ? 'ENABLE' : 'DISABLE';
  return { certificateId, certificateArn: d.certificateDescription?.certificateArn ?? '', ...base, autoRegistrationStatus, created: false };
}

export interface IssuedDevice {
  thing: string;
  certificateId: string;
  caCertificateId: string;
  endpoint: string;
  configFile: string;
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** Says on stderr when devices of this CA cannot register on first connect (the files are still written). */
async function warnUnlessAutoRegistering(ctx: FleetContext, caId: string): Promise<void> {
  try {
    const d = await ctx.iot.send(new DescribeCACertificateCommand({ certificateId: caId }));
    const c = d.certificateDescription;
    if (c?.status !== 'ACTIVE' || c.autoRegistrationStatus !== 'ENABLE') {
      ctx.stderr.write(`warning: CA ${caId} is ${c?.status ?? 'unknown'} with auto-registration ${c?.autoRegistrationStatus ?? 'unknown'}; this device cannot register on first connect until 'pulsepet fleet ca register --template NAME'\n`);
    }
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException)) throw new FleetError(`DescribeCACertificate failed: ${describeAwsError(ctx, e)}`, e);
    ctx.stderr.write(`warning: CA ${caId} is not registered; run 'pulsepet fleet ca register' before this device first connects\n`);
  }
}

/**
 * `fleet ca issue`: a device certificate signed by the operator's CA (subject CN = THING,
 * optionally serialNumber), for a key generated here and written only into the device folder,
 * in the layout `fleet provision` writes and `pulsepet agent --config` reads. Nothing is
 * registered: IoT Core registers the certificate when the device first connects (JITP).
 */
export async function issueFromOperatorCa(
  ctx: FleetContext,
  ca: CaMaterial,
  opts: { thing: string; outDir: string; rootCaPath: string; serialNumber?: string },
): Promise<IssuedDevice> {
  refuseExistingFiles(opts.thing, opts.outDir);
  await warnUnlessAutoRegistering(ctx, ca.certificateId);
  const endpoint = await atsEndpoint(ctx);
  const attributes = opts.serialNumber !== undefined ? { attributes: { SerialNumber: opts.serialNumber } } : {};
  const issued = await issueDeviceCertificate(ca, { commonName: opts.thing, ...attributes });
  const files = writeDeviceFiles({
    outDir: opts.outDir,
    thing: opts.thing,
    certificatePem: issued.certificatePem,
    privateKeyPem: issued.privateKeyPem,
    rootCaPath: opts.rootCaPath,
    certificateId: issued.certificateId,
    endpoint,
    region: ctx.region,
  });
  return {
    thing: opts.thing,
    certificateId: issued.certificateId,
    caCertificateId: ca.certificateId,
    endpoint,
    configFile: files.configFile,
    certFile: files.certFile,
    keyFile: files.keyFile,
    caFile: files.caFile,
  };
}
