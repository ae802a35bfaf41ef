import type { GatewayRequest, GatewayResponse } from '../../ports';
import type { CertificateRecord, CertificateStatus } from '../../registry/types';
import type { IotContext, IotOperation, PathParams } from './context';
import { requireCaCertificate, requireCertificate } from './lookups';
import { inRequestedOrder, MARKER_PAGING, pageBody, readPaging } from './pagination';
import { certificateIdLabel } from './path-labels';
import { boolQuery, enumQuery } from './request-input';
import { epochSeconds, ok } from './responses';

const STATUSES: readonly CertificateStatus[] = [
  'ACTIVE',
  'INACTIVE',
  'REVOKED',
  'PENDING_TRANSFER',
  'REGISTER_INACTIVE',
  'PENDING_ACTIVATION',
];

/** The `CertificateDescription` shape (DescribeCertificate). */
function describe(c: CertificateRecord): object {
  return {
    certificateArn: c.certificateArn,
    certificateId: c.certificateId,
    caCertificateId: c.caCertificateId,
    status: c.status,
    certificatePem: c.certificatePem,
    ownedBy: c.ownedBy,
    creationDate: epochSeconds(c.creationDate),
    lastModifiedDate: epochSeconds(c.lastModifiedDate),
    customerVersion: c.customerVersion,
    generationId: c.generationId,
    validity: { notBefore: epochSeconds(c.validity.notBefore), notAfter: epochSeconds(c.validity.notAfter) },
    certificateMode: 'DEFAULT',
  };
}

/** The `Certificate` list shape (ListCertificates, ListCertificatesByCA). */
function summary(c: CertificateRecord): object {
  return {
    certificateArn: c.certificateArn,
    certificateId: c.certificateId,
    status: c.status,
    certificateMode: 'DEFAULT',
    creationDate: epochSeconds(c.creationDate),
  };
}

/**
 * One page of ListCertificates / ListCertificatesByCA: newest first unless
 * `isAscendingOrder` ("If True, the results are returned in ascending order, based
 * on the creation date"), `pageSize` 1..250 (default 25), `marker` paging.
 */
function certificatePage(req: GatewayRequest, oldestFirst: CertificateRecord[]): GatewayResponse {
  const paging = readPaging(req, MARKER_PAGING, 25);
  const certs = inRequestedOrder(req, oldestFirst, false);
  return ok(pageBody(paging, 'certificates', certs, (c) => c.certificateId, summary));
}

async function listCertificates(ctx: IotContext, _params: PathParams, req: GatewayRequest) {
  return certificatePage(req, ctx.registry.listCertificates());
}

async function listCertificatesByCa(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const caId = params.caCertificateId ?? '';
  requireCaCertificate(ctx, caId);
  return certificatePage(
    req,
    ctx.registry.listCertificates().filter((c) => c.caCertificateId === caId),
  );
}

async function describeCertificate(ctx: IotContext, params: PathParams) {
  return ok({ certificateDescription: describe(requireCertificate(ctx, certificateIdLabel(params))) });
}

/** UpdateCertificate: `newStatus` is required; which transitions are allowed is the registry's rule. */
async function updateCertificate(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const id = certificateIdLabel(params);
  const status = enumQuery(req, 'newStatus', STATUSES, () => `newStatus must be one of ${STATUSES.join(', ')}`, '');
  await ctx.registry.updateCertificateStatus(id, status);
  return ok();
}

async function deleteCertificate(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const forceDelete = boolQuery(req, 'forceDelete') ?? false;
  await ctx.registry.deleteCertificate(certificateIdLabel(params), { forceDelete });
  return ok();
}

/** Device certificate operations on registered certificates (issuing is in certificate-issuing.ts). */
export const certificateOperations: readonly IotOperation[] = [
  { method: 'PUT', path: '/certificates/{certificateId}', operation: 'UpdateCertificate', handle: updateCertificate },
  { method: 'GET', path: '/certificates/{certificateId}', operation: 'DescribeCertificate', handle: describeCertificate },
  { method: 'GET', path: '/certificates', operation: 'ListCertificates', handle: listCertificates },
  { method: 'DELETE', path: '/certificates/{certificateId}', operation: 'DeleteCertificate', handle: deleteCertificate },
  {
    method: 'GET',
    path: '/certificates-by-ca/{caCertificateId}',
    operation: 'ListCertificatesByCA',
    handle: listCertificatesByCa,
  },
];
