import { z } from 'zod';
import {
  certificateIdFromPem,
  createKeysAndCertificate,
  inspectCertificate,
  issueFromCsr,
  verifyIssuedBy,
} from '../../../certs/index';
import { isPulsepetError } from '../../../protocol/errors';
import { iotError } from '../../registry/errors';
import { CERTIFICATE_ID_RE } from '../../registry/registry';
import type { CaCertificateRecord, CertificateRecord, CertificateStatus } from '../../registry/types';
import type { GatewayRequest, GatewayResponse } from '../../ports';
import type { RestRoute } from '../rest-router';
import { boolQuery, epochSeconds, type IotContext, intQuery, jsonBody, ok, paginate } from './common';

const pem = z.string().min(1).max(65_536);
const csrBody = z.object({ certificateSigningRequest: pem });
const registerCaBody = z.object({
  caCertificate: pem,
  verificationCertificate: pem.optional(),
  certificateMode: z.enum(['DEFAULT', 'SNI_ONLY']).optional(),
  registrationConfig: z.object({}).passthrough().optional(),
  tags: z.array(z.object({ Key: z.string(), Value: z.string().optional() })).optional(),
});
const registerBody = z.object({
  certificatePem: pem,
  caCertificatePem: pem.optional(),
  status: z.enum(['ACTIVE', 'INACTIVE', 'REVOKED', 'PENDING_TRANSFER', 'REGISTER_INACTIVE', 'PENDING_ACTIVATION']).optional(),
});
const STATUSES: readonly CertificateStatus[] = [
  'ACTIVE',
  'INACTIVE',
  'REVOKED',
  'PENDING_TRANSFER',
  'REGISTER_INACTIVE',
  'PENDING_ACTIVATION',
];

function certificateId(params: Record<string, string>): string {
  const id = params.certificateId ?? '';
  if (!CERTIFICATE_ID_RE.test(id)) throw iotError('InvalidRequestException', `invalid certificateId '${id}'`);
  return id;
}

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
/**
 * One page of ListCertificates / ListCertificatesByCA: newest first unless
 * `isAscendingOrder` ("If True, the results are returned in ascending order, based
 * on the creation date"), `pageSize` 1..250 (default 25), `marker` paging.
 */
function certificatePage(req: GatewayRequest, all: CertificateRecord[]): GatewayResponse {
  const limit = intQuery(req, 'pageSize', 1, 250) ?? 25;
  if (boolQuery(req, 'isAscendingOrder') !== true) all.reverse();
  const { page, next } = paginate(all, (c) => c.certificateId, req.query.get('marker'), limit);
  return ok({ certificates: page.map(summary), nextMarker: next });
}

function summary(c: CertificateRecord): object {
  return {
    certificateArn: c.certificateArn,
    certificateId: c.certificateId,
    status: c.status,
    certificateMode: 'DEFAULT',
    creationDate: epochSeconds(c.creationDate),
  };
}

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

/** Parses a device certificate, translating parse failures to CertificateValidationException. */
function inspectDevice(certPem: string): ReturnType<typeof inspectCertificate> & { certificateId: string } {
  try {
    const info = inspectCertificate(certPem);
    return { ...info, certificateId: certificateIdFromPem(certPem) };
  } catch (e) {
    throw iotError('CertificateValidationException', 'The certificate is not a valid PEM X.509 certificate', {
      cause: e,
    });
  }
}

/** Certificate and CA certificate operations, bound as restJson1 routes. */
export function certificateRoutes(ctx: IotContext): RestRoute[] {
  const { registry } = ctx;
  const issuerId = ctx.ca.certificateId;
  return [
    {
      method: 'POST',
      path: '/keys-and-certificate',
      operation: 'CreateKeysAndCertificate',
      async handle(_params, req) {
        const active = boolQuery(req, 'setAsActive') ?? false;
        await ctx.ready;
        const issued = await createKeysAndCertificate(ctx.ca);
        const info = inspectCertificate(issued.certificatePem);
        const rec = await registry.addCertificate({
          certificateId: issued.certificateId,
          certificatePem: issued.certificatePem,
          status: active ? 'ACTIVE' : 'INACTIVE',
          caCertificateId: issuerId,
          ...(info.subjectCommonName === undefined ? {} : { subjectCommonName: info.subjectCommonName }),
          validity: { notBefore: info.notBefore, notAfter: info.notAfter },
        });
        // The private key goes to the caller only: never stored, never logged.
        return ok({
          certificateArn: rec.certificateArn,
          certificateId: rec.certificateId,
          certificatePem: rec.certificatePem,
          keyPair: issued.keyPair,
        });
      },
    },
    {
      method: 'POST',
      path: '/certificates',
      operation: 'CreateCertificateFromCsr',
      async handle(_params, req) {
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
        const info = inspectCertificate(issued.certificatePem);
        const rec = await registry.addCertificate({
          certificateId: issued.certificateId,
          certificatePem: issued.certificatePem,
          status: active ? 'ACTIVE' : 'INACTIVE',
          caCertificateId: issuerId,
          ...(info.subjectCommonName === undefined ? {} : { subjectCommonName: info.subjectCommonName }),
          validity: { notBefore: info.notBefore, notAfter: info.notAfter },
        });
        return ok({ certificateArn: rec.certificateArn, certificateId: rec.certificateId, certificatePem: rec.certificatePem });
      },
    },
    {
      method: 'POST',
      path: '/cacertificate',
      operation: 'RegisterCACertificate',
      async handle(_params, req) {
        const active = boolQuery(req, 'setAsActive') ?? false;
        const autoReg = boolQuery(req, 'allowAutoRegistration') ?? false;
        const body = jsonBody(req, registerCaBody);
        const info = inspectDevice(body.caCertificate);
        if (!info.isCa) throw iotError('CertificateValidationException', 'The certificate is not a CA certificate');
        if (info.notAfter < Date.now()) throw iotError('CertificateValidationException', 'The CA certificate has expired');
        const rec = await registry.registerCaCertificate({
          certificateId: info.certificateId,
          certificatePem: body.caCertificate,
          status: active ? 'ACTIVE' : 'INACTIVE',
          autoRegistrationStatus: autoReg ? 'ENABLE' : 'DISABLE',
        });
        return ok({ certificateArn: rec.certificateArn, certificateId: rec.certificateId });
      },
    },
    {
      method: 'GET',
      path: '/cacertificate/{certificateId}',
      operation: 'DescribeCACertificate',
      async handle(params) {
        const ca = registry.getCaCertificate(certificateId(params));
        if (!ca) throw iotError('ResourceNotFoundException', `CA certificate ${params.certificateId} not found`);
        return ok({ certificateDescription: describeCa(ca) });
      },
    },
    {
      method: 'PUT',
      path: '/cacertificate/{certificateId}',
      operation: 'UpdateCACertificate',
      async handle(params, req) {
        const id = certificateId(params);
        const status = req.query.get('newStatus');
        const autoReg = req.query.get('newAutoRegistrationStatus');
        if (status !== null && status !== 'ACTIVE' && status !== 'INACTIVE') {
          throw iotError('InvalidRequestException', 'newStatus must be ACTIVE or INACTIVE');
        }
        if (autoReg !== null && autoReg !== 'ENABLE' && autoReg !== 'DISABLE') {
          throw iotError('InvalidRequestException', 'newAutoRegistrationStatus must be ENABLE or DISABLE');
        }
        await registry.updateCaCertificate(id, {
          ...(status !== null ? { status } : {}),
          ...(autoReg !== null ? { autoRegistrationStatus: autoReg } : {}),
        });
        return ok();
      },
    },
    {
      method: 'DELETE',
      path: '/cacertificate/{certificateId}',
      operation: 'DeleteCACertificate',
      async handle(params) {
        await registry.deleteCaCertificate(certificateId(params));
        return ok();
      },
    },
    {
      method: 'GET',
      path: '/certificates-by-ca/{caCertificateId}',
      operation: 'ListCertificatesByCA',
      async handle(params, req) {
        const caId = params.caCertificateId ?? '';
        if (!registry.getCaCertificate(caId)) throw iotError('ResourceNotFoundException', `CA certificate ${caId} not found`);
        return certificatePage(
          req,
          registry.listCertificates().filter((c) => c.caCertificateId === caId),
        );
      },
    },
    {
      method: 'GET',
      path: '/cacertificates',
      operation: 'ListCACertificates',
      async handle(_params, req) {
        const limit = intQuery(req, 'pageSize', 1, 250) ?? 25;
        const all = registry.listCaCertificates();
        if (boolQuery(req, 'isAscendingOrder') !== true) all.reverse();
        const { page, next } = paginate(all, (c) => c.certificateId, req.query.get('marker'), limit);
        return ok({
          certificates: page.map((c) => ({
            certificateArn: c.certificateArn,
            certificateId: c.certificateId,
            status: c.status,
            creationDate: epochSeconds(c.creationDate),
          })),
          nextMarker: next,
        });
      },
    },
    {
      method: 'POST',
      path: '/certificate/register',
      operation: 'RegisterCertificate',
      async handle(_params, req) {
        const setActive = boolQuery(req, 'setAsActive');
        const body = jsonBody(req, registerBody);
        const info = inspectDevice(body.certificatePem);
        if (info.isCa) throw iotError('CertificateValidationException', 'A CA certificate cannot be registered as a device certificate');
        if (info.notAfter < Date.now()) throw iotError('CertificateValidationException', 'The certificate has expired');
        await ctx.ready;
        let candidates = registry.listCaCertificates();
        if (body.caCertificatePem !== undefined) {
          const caId = inspectDevice(body.caCertificatePem).certificateId;
          candidates = candidates.filter((c) => c.certificateId === caId);
          if (candidates.length === 0) {
            throw iotError('CertificateValidationException', 'The CA certificate given is not registered');
          }
        }
        let issuer: CaCertificateRecord | undefined;
        for (const ca of candidates) {
          if (await verifyIssuedBy(body.certificatePem, ca.certificatePem)) {
            issuer = ca;
            break;
          }
        }
        if (!issuer) {
          throw iotError('CertificateValidationException', 'The certificate is not signed by a registered CA certificate');
        }
        const status: CertificateStatus = body.status ?? (setActive ? 'ACTIVE' : 'INACTIVE');
        const rec = await registry.addCertificate({
          certificateId: info.certificateId,
          certificatePem: body.certificatePem,
          status,
          caCertificateId: issuer.certificateId,
          ...(info.subjectCommonName === undefined ? {} : { subjectCommonName: info.subjectCommonName }),
          validity: { notBefore: info.notBefore, notAfter: info.notAfter },
        });
        return ok({ certificateArn: rec.certificateArn, certificateId: rec.certificateId });
      },
    },
    {
      method: 'PUT',
      path: '/certificates/{certificateId}',
      operation: 'UpdateCertificate',
      async handle(params, req) {
        const id = certificateId(params);
        const status = req.query.get('newStatus');
        if (status === null || !STATUSES.includes(status as CertificateStatus)) {
          throw iotError('InvalidRequestException', `newStatus must be one of ${STATUSES.join(', ')}`);
        }
        await registry.updateCertificateStatus(id, status as CertificateStatus);
        return ok();
      },
    },
    {
      method: 'GET',
      path: '/certificates/{certificateId}',
      operation: 'DescribeCertificate',
      async handle(params) {
        const id = certificateId(params);
        const cert = registry.getCertificate(id);
        if (!cert) throw iotError('ResourceNotFoundException', `Certificate ${id} not found`);
        return ok({ certificateDescription: describe(cert) });
      },
    },
    {
      method: 'GET',
      path: '/certificates',
      operation: 'ListCertificates',
      async handle(_params, req) {
        return certificatePage(req, registry.listCertificates());
      },
    },
    {
      method: 'DELETE',
      path: '/certificates/{certificateId}',
      operation: 'DeleteCertificate',
      async handle(params, req) {
        const forceDelete = boolQuery(req, 'forceDelete') ?? false;
        await registry.deleteCertificate(certificateId(params), { forceDelete });
        return ok();
      },
    },
  ];
}
