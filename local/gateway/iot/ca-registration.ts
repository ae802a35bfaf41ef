import { z } from 'zod';
import { verifyIssuedBy } from '../../../certs/index';
import type { GatewayRequest } from '../../ports';
import { parseProvisioningTemplate, TemplateValidationError } from '../../provisioning/template';
import { iotError } from '../../registry/errors';
import type { RegistrationConfig } from '../../registry/types';
import { type InspectedCertificate, inspectPem, pemText } from './certificate-pem';
import type { IotContext, IotOperation, PathParams } from './context';
import { boolQuery, jsonBody, tagList } from './request-input';
import { ok } from './responses';

/** `RegistrationConfig` (IoT API reference): the JITP template inline or by name, and its role. */
export const registrationConfigSchema = z.object({
  templateBody: z.string().min(1).max(10_240).optional(),
  roleArn: z.string().min(20).max(2048).optional(),
  templateName: z.string().regex(/^[0-9A-Za-z_-]{1,36}$/, 'templateName must be [0-9A-Za-z_-], 1..36 chars').optional(),
});

const registerCaBody = z.object({
  caCertificate: pemText,
  verificationCertificate: pemText.optional(),
  certificateMode: z.enum(['DEFAULT', 'SNI_ONLY']).optional(),
  registrationConfig: registrationConfigSchema.optional(),
  tags: tagList,
});

/**
 * A registration config as AWS accepts it: a template given either inline or by name, never
 * both; an inline body must be a valid JITP template (the template engine names every problem).
 * A named template is looked up when a device first connects.
 */
export function checkRegistrationConfig(cfg: RegistrationConfig): RegistrationConfig {
  if (cfg.templateBody !== undefined && cfg.templateName !== undefined) {
    throw iotError('InvalidRequestException', 'registrationConfig takes templateBody or templateName, not both');
  }
  if (cfg.templateBody !== undefined) {
    try {
      parseProvisioningTemplate(cfg.templateBody, { templateType: 'JITP' });
    } catch (e) {
      if (e instanceof TemplateValidationError) {
        throw iotError('InvalidRequestException', `registrationConfig.templateBody: ${e.problems.join('; ')}`, { cause: e });
      }
      throw e;
    }
  }
  const out: RegistrationConfig = {};
  if (cfg.templateBody !== undefined) out.templateBody = cfg.templateBody;
  if (cfg.roleArn !== undefined) out.roleArn = cfg.roleArn;
  if (cfg.templateName !== undefined) out.templateName = cfg.templateName;
  return out;
}

/**
 * Proof of possession of the CA's key in DEFAULT mode
 * (https://docs.aws.amazon.com/iot/latest/developerguide/register-CA-cert.html): the
 * verification certificate is signed by the CA and its subject CN is this account's
 * registration code. SNI_ONLY registrations carry no verification certificate.
 */
async function verifyOwnership(ctx: IotContext, ca: InspectedCertificate & { pem: string }, mode: string, verificationPem?: string) {
  if (mode === 'SNI_ONLY') {
    if (verificationPem !== undefined) {
      throw iotError('InvalidRequestException', 'verificationCertificate must be empty when certificateMode is SNI_ONLY');
    }
    return;
  }
  if (verificationPem === undefined) {
    throw iotError('InvalidRequestException', 'verificationCertificate is required when certificateMode is DEFAULT');
  }
  const verification = inspectPem(verificationPem);
  if (verification.notAfter < Date.now() || verification.notBefore > Date.now()) {
    throw iotError('CertificateValidationException', 'The verification certificate is not within its validity period');
  }
  if (!(await verifyIssuedBy(verificationPem, ca.pem))) {
    throw iotError('CertificateValidationException', 'The verification certificate is not signed by the CA certificate');
  }
  const code = await ctx.registry.registrationCode();
  if (verification.subjectCommonName !== code) {
    throw iotError(
      'RegistrationCodeValidationException',
      "The verification certificate's subject common name is not this account's registration code",
    );
  }
}

async function registerCaCertificate(ctx: IotContext, _params: PathParams, req: GatewayRequest) {
  const active = boolQuery(req, 'setAsActive') ?? false;
  const autoReg = boolQuery(req, 'allowAutoRegistration') ?? false;
  const body = jsonBody(req, registerCaBody);
  const info = inspectPem(body.caCertificate);
  if (!info.isCa) throw iotError('CertificateValidationException', 'The certificate is not a CA certificate');
  if (info.notAfter < Date.now()) throw iotError('CertificateValidationException', 'The CA certificate has expired');
  const mode = body.certificateMode ?? 'DEFAULT';
  const registrationConfig = body.registrationConfig && checkRegistrationConfig(body.registrationConfig);
  await verifyOwnership(ctx, { ...info, pem: body.caCertificate }, mode, body.verificationCertificate);
  const rec = await ctx.registry.registerCaCertificate({
    certificateId: info.certificateId,
    certificatePem: body.caCertificate,
    status: active ? 'ACTIVE' : 'INACTIVE',
    autoRegistrationStatus: autoReg ? 'ENABLE' : 'DISABLE',
    certificateMode: mode,
    ...(registrationConfig ? { registrationConfig } : {}),
  });
  return ok({ certificateArn: rec.certificateArn, certificateId: rec.certificateId });
}

async function getRegistrationCode(ctx: IotContext) {
  return ok({ registrationCode: await ctx.registry.registrationCode() });
}

async function deleteRegistrationCode(ctx: IotContext) {
  await ctx.registry.deleteRegistrationCode();
  return ok();
}

/** Registering a CA: the registration code, and RegisterCACertificate with its verification. */
export const caRegistrationOperations: readonly IotOperation[] = [
  { method: 'GET', path: '/registrationcode', operation: 'GetRegistrationCode', handle: getRegistrationCode },
  { method: 'DELETE', path: '/registrationcode', operation: 'DeleteRegistrationCode', handle: deleteRegistrationCode },
  { method: 'POST', path: '/cacertificate', operation: 'RegisterCACertificate', handle: registerCaCertificate },
];
