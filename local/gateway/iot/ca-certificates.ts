import { z } from 'zod';
import { inspectCertificate } from '../../../certs/index';
import type { GatewayRequest } from '../../ports';
import { iotError } from '../../registry/errors';
import type { CaCertificateRecord, CaStatus } from '../../registry/types';
import { caRegistrationOperations, checkRegistrationConfig, registrationConfigSchema } from './ca-registration';
import type { IotContext, IotOperation, PathParams } from './context';
import { requireCaCertificate } from './lookups';
import { inRequestedOrder, MARKER_PAGING, pageBody, readPaging } from './pagination';
import { certificateIdLabel } from './path-labels';
import { enumQuery, jsonBody } from './request-input';
import { epochSeconds, ok } from './responses';

const updateCaBody = z.object({
  registrationConfig: registrationConfigSchema.optional(),
  removeAutoRegistration: z.boolean().optional(),
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
    certificateMode: c.certificateMode ?? 'DEFAULT',
  };
}

async function describeCaCertificate(ctx: IotContext, params: PathParams) {
  const ca = requireCaCertificate(ctx, certificateIdLabel(params));
  return ok({
    certificateDescription: describeCa(ca),
    ...(ca.registrationConfig ? { registrationConfig: ca.registrationConfig } : {}),
  });
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
  const body = jsonBody(req, updateCaBody);
  const config = body.registrationConfig && checkRegistrationConfig(body.registrationConfig);
  if (body.removeAutoRegistration === true && config !== undefined) {
    throw iotError('InvalidRequestException', 'removeAutoRegistration cannot be combined with a registrationConfig');
  }
  // removeAutoRegistration drops the template and turns automatic registration off.
  const removed = body.removeAutoRegistration === true;
  const autoRegistrationStatus = removed ? 'DISABLE' : autoReg;
  await ctx.registry.updateCaCertificate(id, {
    ...(status !== undefined ? { status } : {}),
    ...(autoRegistrationStatus !== undefined ? { autoRegistrationStatus } : {}),
    ...(removed ? { registrationConfig: null } : config !== undefined ? { registrationConfig: config } : {}),
  });
  return ok();
}

async function deleteCaCertificate(ctx: IotContext, params: PathParams) {
  await ctx.registry.deleteCaCertificate(certificateIdLabel(params));
  return ok();
}

/**
 * ListCACertificates: newest first unless `isAscendingOrder`, like ListCertificates;
 * `templateName` keeps the CAs whose registration config names that provisioning template.
 * The local stand-in for Amazon's own CA is not listed: on AWS the list holds only the CAs
 * the account registered.
 */
async function listCaCertificates(ctx: IotContext, _params: PathParams, req: GatewayRequest) {
  const paging = readPaging(req, MARKER_PAGING, 25);
  const templateName = req.query.get('templateName');
  const all = ctx.registry.listCaCertificates().filter((c) => c.awsManaged !== true);
  const cas = inRequestedOrder(req, templateName === null ? all : all.filter((c) => c.registrationConfig?.templateName === templateName), false);
  return ok(
    pageBody(paging, 'certificates', cas, (c) => c.certificateId, (c) => ({
      certificateArn: c.certificateArn,
      certificateId: c.certificateId,
      status: c.status,
      creationDate: epochSeconds(c.creationDate),
    })),
  );
}

/** CA certificate operations (DescribeCACertificate … ListCACertificates; registering is in ca-registration.ts). */
export const caCertificateOperations: readonly IotOperation[] = [
  ...caRegistrationOperations,
  { method: 'GET', path: '/cacertificate/{certificateId}', operation: 'DescribeCACertificate', handle: describeCaCertificate },
  { method: 'PUT', path: '/cacertificate/{certificateId}', operation: 'UpdateCACertificate', handle: updateCaCertificate },
  { method: 'DELETE', path: '/cacertificate/{certificateId}', operation: 'DeleteCACertificate', handle: deleteCaCertificate },
  { method: 'GET', path: '/cacertificates', operation: 'ListCACertificates', handle: listCaCertificates },
];
