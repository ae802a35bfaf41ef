import { z } from 'zod';
import { inspectCertificate } from '../../../certs/index';
import type { GatewayRequest } from '../../ports';
import { iotError } from '../../registry/errors';
import type { CaCertificateRecord, CaStatus } from '../../registry/types';
import { inspectPem, pemText } from './certificate-pem';
import type { IotContext, IotOperation, PathParams } from './context';
import { requireCaCertificate } from './lookups';
import { inRequestedOrder, MARKER_PAGING, pageBody, readPaging } from './pagination';
import { certificateIdLabel } from './path-labels';
import { boolQuery, enumQuery, jsonBody, tagList } from './request-input';
import { epochSeconds, ok } from './responses';

const registerCaBody = z.object({
  caCertificate: pemText,
  verificationCertificate: pemText.optional(),
  certificateMode: z.enum(['DEFAULT', 'SNI_ONLY']).optional(),
  registrationConfig: z.object({}).passthrough().optional(),
  tags: tagList,
});

/** The `CACertificateDescription` shape (DescribeCACertificate); validity is read from the PEM. */
function describeCa(c: CaCertificateRecord): object {
  const info = inspectCertificate(c.certificatePem);
  return {
    certificateArn: c.certificateArn,
    certificateId: c.certificateId,
    status: c.status,
    certificatePem: c.certificatePem,
    ownedBy: c.ownedBy,
    creationDate: epochSeconds(c.creationDate),
    autoRegistrationStatus: c.autoRegistrationStatus,
    lastModifiedDate: epochSeconds(c.lastModifiedDate),
    customerVersion: c.customerVersion,
    generationId: c.generationId,
    validity: { notBefore: epochSeconds(info.notBefore), notAfter: epochSeconds(info.notAfter) },
    certificateMode: 'DEFAULT',
  };
}

async function registerCaCertificate(ctx: IotContext, _params: PathParams, req: GatewayRequest) {
  const active = boolQuery(req, 'setAsActive') ?? false;
  const autoReg = boolQuery(req, 'allowAutoRegistration') ?? false;
  const body = jsonBody(req, registerCaBody);
  const info = inspectPem(body.caCertificate);
  if (!info.isCa) throw iotError('CertificateValidationException', 'The certificate is not a CA certificate');
  if (info.notAfter < Date.now()) throw iotError('CertificateValidationException', 'The CA certificate has expired');
  const rec = await ctx.registry.registerCaCertificate({
    certificateId: info.certificateId,
    certificatePem: body.caCertificate,
    status: active ? 'ACTIVE' : 'INACTIVE',
    autoRegistrationStatus: autoReg ? 'ENABLE' : 'DISABLE',
  });
  return ok({ certificateArn: rec.certificateArn, certificateId: rec.certificateId });
}

async function describeCaCertificate(ctx: IotContext, params: PathParams) {
  const ca = requireCaCertificate(ctx, certificateIdLabel(params));
  return ok({ certificateDescription: describeCa(ca) });
}

async function updateCaCertificate(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const id = certificateIdLabel(params);
  const status = enumQuery<CaStatus>(req, 'newStatus', ['ACTIVE', 'INACTIVE'], () => 'newStatus must be ACTIVE or INACTIVE');
  const autoReg = enumQuery(
    req,
    'newAutoRegistrationStatus',
    ['ENABLE', 'DISABLE'],
    () => 'newAutoRegistrationStatus must be ENABLE or DISABLE',
  );
  await ctx.registry.updateCaCertificate(id, {
    ...(status !== undefined ? { status } : {}),
    ...(autoReg !== undefined ? { autoRegistrationStatus: autoReg } : {}),
  });
  return ok();
}

async function deleteCaCertificate(ctx: IotContext, params: PathParams) {
  await ctx.registry.deleteCaCertificate(certificateIdLabel(params));
  return ok();
}

/** ListCACertificates: newest first unless `isAscendingOrder`, like ListCertificates. */
async function listCaCertificates(ctx: IotContext, _params: PathParams, req: GatewayRequest) {
  const paging = readPaging(req, MARKER_PAGING, 25);
  const cas = inRequestedOrder(req, ctx.registry.listCaCertificates(), false);
  return ok(
    pageBody(paging, 'certificates', cas, (c) => c.certificateId, (c) => ({
      certificateArn: c.certificateArn,
      certificateId: c.certificateId,
      status: c.status,
      creationDate: epochSeconds(c.creationDate),
    })),
  );
}

/** CA certificate operations (RegisterCACertificate … ListCACertificates). */
export const caCertificateOperations: readonly IotOperation[] = [
  { method: 'POST', path: '/cacertificate', operation: 'RegisterCACertificate', handle: registerCaCertificate },
  { method: 'GET', path: '/cacertificate/{certificateId}', operation: 'DescribeCACertificate', handle: describeCaCertificate },
  { method: 'PUT', path: '/cacertificate/{certificateId}', operation: 'UpdateCACertificate', handle: updateCaCertificate },
  { method: 'DELETE', path: '/cacertificate/{certificateId}', operation: 'DeleteCACertificate', handle: deleteCaCertificate },
  { method: 'GET', path: '/cacertificates', operation: 'ListCACertificates', handle: listCaCertificates },
];
