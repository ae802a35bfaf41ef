import { z } from 'zod';
import { createKeysAndCertificate, inspectCertificate, issueFromCsr, verifyIssuedBy } from '../../../certs/index';
import { isPulsepetError } from '../../../protocol/errors';
import type { GatewayRequest } from '../../ports';
import { iotError } from '../../registry/errors';
import type { CaCertificateRecord, CertificateRecord, CertificateStatus } from '../../registry/types';
import type { IotContext, IotOperation, PathParams } from './context';
import { type InspectedCertificate, inspectPem, pemText } from './certificate-pem';
import { boolQuery, jsonBody } from './request-input';
import { ok } from './responses';

const csrBody = z.object({ certificateSigningRequest: pemText });
const registerBody = z.object({
  certificatePem: pemText,
  caCertificatePem: pemText.optional(),
  status: z.enum(['ACTIVE', 'INACTIVE', 'REVOKED', 'PENDING_TRANSFER', 'REGISTER_INACTIVE', 'PENDING_ACTIVATION']).optional(),
});

/** Stores a device certificate with what the registry keeps of its subject and validity. */
function storeCertificate(
  ctx: IotContext,
  cert: { certificateId: string; certificatePem: string; status: CertificateStatus; caCertificateId: string },
  info: Pick<InspectedCertificate, 'subjectCommonName' | 'notBefore' | 'notAfter'>,
): Promise<CertificateRecord> {
  return ctx.registry.addCertificate({
    ...cert,
    ...(info.subjectCommonName === undefined ? {} : { subjectCommonName: info.subjectCommonName }),
    validity: { notBefore: info.notBefore, notAfter: info.notAfter },
  });
}

/** Stores a certificate the local AWS-managed CA just issued. */
function storeIssued(ctx: IotContext, issued: { certificateId: string; certificatePem: string }, active: boolean) {
  return storeCertificate(
    ctx,
    { ...issued, status: active ? 'ACTIVE' : 'INACTIVE', caCertificateId: ctx.ca.certificateId },
    inspectCertificate(issued.certificatePem),
  );
}

async function createKeysAndCert(ctx: IotContext, _params: PathParams, req: GatewayRequest) {
  const active = boolQuery(req, 'setAsActive') ?? false;
  await ctx.ready;
  const issued = await createKeysAndCertificate(ctx.ca);
  const rec = await storeIssued(ctx, issued, active);
  // The private key goes to the caller only: never stored, never logged.
  return ok({
    certificateArn: rec.certificateArn,
    certificateId: rec.certificateId,
    certificatePem: rec.certificatePem,
    keyPair: issued.keyPair,
  });
}

async function createCertificateFromCsr(ctx: IotContext, _params: PathParams, req: GatewayRequest) {
  const active = boolQuery(req, 'setAsActive') ?? false;
  const body = jsonBody(req, csrBody);
  await ctx.ready;
  let issued: { certificatePem: string; certificateId: string };
  try {
    issued = await issueFromCsr(ctx.ca, body.certificateSigningRequest);
  } catch (e) {
    if (isPulsepetError(e, 'PP_ERR_CERT')) throw iotError('InvalidRequestException', e.message, { cause: e });
    throw e;
  }
  const rec = await storeIssued(ctx, issued, active);
  return ok({ certificateArn: rec.certificateArn, certificateId: rec.certificateId, certificatePem: rec.certificatePem });
}

/**
 * The registered CA that signed `certPem`: any registered CA, or only the one whose
 * PEM the caller named (RegisterCertificate `caCertificatePem`).
 */
async function findIssuer(ctx: IotContext, certPem: string, caPem: string | undefined): Promise<CaCertificateRecord> {
  let candidates = ctx.registry.listCaCertificates();
  if (caPem !== undefined) {
    const caId = inspectPem(caPem).certificateId;
    candidates = candidates.filter((c) => c.certificateId === caId);
    if (candidates.length === 0) {
      throw iotError('CertificateValidationException', 'The CA certificate given is not registered');
    }
  }
  for (const ca of candidates) {
    if (await verifyIssuedBy(certPem, ca.certificatePem)) return ca;
  }
  throw iotError('CertificateValidationException', 'The certificate is not signed by a registered CA certificate');
}

async function registerCertificate(ctx: IotContext, _params: PathParams, req: GatewayRequest) {
  const setActive = boolQuery(req, 'setAsActive');
  const body = jsonBody(req, registerBody);
  const info = inspectPem(body.certificatePem);
  if (info.isCa) throw iotError('CertificateValidationException', 'A CA certificate cannot be registered as a device certificate');
  if (info.notAfter < Date.now()) throw iotError('CertificateValidationException', 'The certificate has expired');
  await ctx.ready;
  const issuer = await findIssuer(ctx, body.certificatePem, body.caCertificatePem);
  const status: CertificateStatus = body.status ?? (setActive ? 'ACTIVE' : 'INACTIVE');
  const rec = await storeCertificate(
    ctx,
    { certificateId: info.certificateId, certificatePem: body.certificatePem, status, caCertificateId: issuer.certificateId },
    info,
  );
  return ok({ certificateArn: rec.certificateArn, certificateId: rec.certificateId });
}

/** How device certificates come to be: issued by the local AWS-managed CA, or registered from another CA. */
export const certificateIssuingOperations: readonly IotOperation[] = [
  { method: 'POST', path: '/keys-and-certificate', operation: 'CreateKeysAndCertificate', handle: createKeysAndCert },
  { method: 'POST', path: '/certificates', operation: 'CreateCertificateFromCsr', handle: createCertificateFromCsr },
  { method: 'POST', path: '/certificate/register', operation: 'RegisterCertificate', handle: registerCertificate },
];
