import { z } from 'zod';
import type { GatewayRequest } from '../../ports';
import { LAMBDA_FUNCTION_ARN_RE } from '../../provisioning/hook';
import { parseProvisioningTemplate } from '../../provisioning/template';
import { iotError } from '../../registry/errors';
import type { ProvisioningTemplateRecord } from '../../registry/provisioning-template-store';
import type { IotContext, IotOperation, PathParams } from './context';
import { pageBody, readPaging, TOKEN_PAGING } from './pagination';
import { boolQuery, jsonBody, tagList } from './request-input';
import { epochSeconds, ok } from './responses';

/*
 * Provisioning templates (IoT API reference: CreateProvisioningTemplate …
 * DeleteProvisioningTemplateVersion). Bodies are validated by the template engine
 * before anything is stored, so a bad template is refused with every problem named.
 */

/** The only pre-provisioning hook payload version AWS defines. */
export const HOOK_PAYLOAD_VERSION = '2020-04-01';

const hookSchema = z.object({
  targetArn: z.string().max(2048).regex(LAMBDA_FUNCTION_ARN_RE, 'must be a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)'),
  payloadVersion: z.literal(HOOK_PAYLOAD_VERSION, { message: `the only payload version is ${HOOK_PAYLOAD_VERSION}` }).optional(),
});
const roleArn = z.string().min(20).max(2048);
const description = z.string().max(500).regex(/^[^\p{C}]*$/u, 'must not contain control characters');

const createBody = z.object({
  templateName: z.string(),
  templateBody: z.string({ message: 'templateBody is required' }),
  provisioningRoleArn: roleArn,
  description: description.optional(),
  enabled: z.boolean().optional(),
  preProvisioningHook: hookSchema.optional(),
  type: z.enum(['FLEET_PROVISIONING', 'JITP']).optional(),
  tags: tagList,
});
const updateBody = z.object({
  description: description.optional(),
  enabled: z.boolean().optional(),
  defaultVersionId: z.number().int().positive().optional(),
  provisioningRoleArn: roleArn.optional(),
  preProvisioningHook: hookSchema.optional(),
  removePreProvisioningHook: z.boolean().optional(),
});
const versionBody = z.object({ templateBody: z.string({ message: 'templateBody is required' }) });

function templateNameLabel(params: PathParams): string {
  return params.templateName ?? '';
}

function versionIdLabel(params: PathParams): number {
  const n = Number(params.versionId);
  if (!Number.isInteger(n) || n < 1) throw iotError('InvalidRequestException', `versionId must be a positive integer, got '${params.versionId}'`);
  return n;
}

function requireTemplate(ctx: IotContext, name: string): ProvisioningTemplateRecord {
  return ctx.registry.provisioningTemplates.require(name);
}

function withHook(hook: z.infer<typeof hookSchema> | undefined) {
  return hook === undefined ? undefined : { targetArn: hook.targetArn, payloadVersion: hook.payloadVersion ?? HOOK_PAYLOAD_VERSION };
}

async function createTemplate(ctx: IotContext, _params: PathParams, req: GatewayRequest) {
  const body = jsonBody(req, createBody);
  const type = body.type ?? 'FLEET_PROVISIONING';
  if (type === 'JITP' && body.preProvisioningHook) {
    throw iotError('InvalidRequestException', 'preProvisioningHook: pre-provisioning hooks apply to FLEET_PROVISIONING templates only');
  }
  parseProvisioningTemplate(body.templateBody, { templateType: type });
  const hook = withHook(body.preProvisioningHook);
  const rec = await ctx.registry.provisioningTemplates.create({
    templateName: body.templateName,
    templateBody: body.templateBody,
    provisioningRoleArn: body.provisioningRoleArn,
    type,
    enabled: body.enabled ?? false,
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(hook ? { preProvisioningHook: hook } : {}),
  });
  return ok({ templateArn: rec.templateArn, templateName: rec.templateName, defaultVersionId: rec.defaultVersionId });
}

function summary(t: ProvisioningTemplateRecord): Record<string, unknown> {
  return {
    templateArn: t.templateArn,
    templateName: t.templateName,
    description: t.description,
    creationDate: epochSeconds(t.creationDate),
    lastModifiedDate: epochSeconds(t.lastModifiedDate),
    enabled: t.enabled,
    type: t.type,
  };
}

async function describeTemplate(ctx: IotContext, params: PathParams) {
  const t = requireTemplate(ctx, templateNameLabel(params));
  return ok({
    ...summary(t),
    defaultVersionId: t.defaultVersionId,
    templateBody: ctx.registry.provisioningTemplates.defaultBody(t),
    provisioningRoleArn: t.provisioningRoleArn,
    preProvisioningHook: t.preProvisioningHook,
  });
}

async function listTemplates(ctx: IotContext, _params: PathParams, req: GatewayRequest) {
  const paging = readPaging(req, TOKEN_PAGING, 50);
  return ok(pageBody(paging, 'templates', ctx.registry.provisioningTemplates.list(), (t) => t.templateName, summary));
}

async function updateTemplate(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const name = templateNameLabel(params);
  const body = jsonBody(req, updateBody);
  const current = requireTemplate(ctx, name);
  if (body.preProvisioningHook && body.removePreProvisioningHook) {
    throw iotError('InvalidRequestException', 'preProvisioningHook and removePreProvisioningHook cannot be given together');
  }
  if (body.preProvisioningHook && current.type === 'JITP') {
    throw iotError('InvalidRequestException', 'preProvisioningHook: pre-provisioning hooks apply to FLEET_PROVISIONING templates only');
  }
  const hook = withHook(body.preProvisioningHook);
  await ctx.registry.provisioningTemplates.update(name, {
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
    ...(body.defaultVersionId !== undefined ? { defaultVersionId: body.defaultVersionId } : {}),
    ...(body.provisioningRoleArn !== undefined ? { provisioningRoleArn: body.provisioningRoleArn } : {}),
    ...(hook ? { preProvisioningHook: hook } : {}),
    ...(body.removePreProvisioningHook ? { removePreProvisioningHook: true } : {}),
  });
  return ok();
}

async function deleteTemplate(ctx: IotContext, params: PathParams) {
  await ctx.registry.provisioningTemplates.delete(templateNameLabel(params));
  return ok();
}

async function createVersion(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const name = templateNameLabel(params);
  const t = requireTemplate(ctx, name);
  const body = jsonBody(req, versionBody);
  parseProvisioningTemplate(body.templateBody, { templateType: t.type });
  const setAsDefault = boolQuery(req, 'setAsDefault') ?? false;
  const v = await ctx.registry.provisioningTemplates.createVersion(name, body.templateBody, setAsDefault);
  return ok({ templateArn: t.templateArn, templateName: name, versionId: v.versionId, isDefaultVersion: setAsDefault });
}

async function describeVersion(ctx: IotContext, params: PathParams) {
  const name = templateNameLabel(params);
  const t = requireTemplate(ctx, name);
  const v = ctx.registry.provisioningTemplates.version(name, versionIdLabel(params));
  return ok({
    versionId: v.versionId,
    creationDate: epochSeconds(v.creationDate),
    templateBody: v.templateBody,
    isDefaultVersion: v.versionId === t.defaultVersionId,
  });
}

async function listVersions(ctx: IotContext, params: PathParams, req: GatewayRequest) {
  const paging = readPaging(req, TOKEN_PAGING, 50);
  const t = requireTemplate(ctx, templateNameLabel(params));
  return ok(
    pageBody(paging, 'versions', t.versions, (v) => String(v.versionId), (v) => ({
      versionId: v.versionId,
      creationDate: epochSeconds(v.creationDate),
      isDefaultVersion: v.versionId === t.defaultVersionId,
    })),
  );
}

async function deleteVersion(ctx: IotContext, params: PathParams) {
  await ctx.registry.provisioningTemplates.deleteVersion(templateNameLabel(params), versionIdLabel(params));
  return ok();
}

const BASE = '/provisioning-templates';

/** Provisioning template operations, with their restJson1 bindings from the IoT Smithy model. */
export const provisioningTemplateOperations: readonly IotOperation[] = [
  { method: 'POST', path: BASE, operation: 'CreateProvisioningTemplate', handle: createTemplate },
  { method: 'GET', path: `${BASE}/{templateName}`, operation: 'DescribeProvisioningTemplate', handle: describeTemplate },
  { method: 'GET', path: BASE, operation: 'ListProvisioningTemplates', handle: listTemplates },
  { method: 'PATCH', path: `${BASE}/{templateName}`, operation: 'UpdateProvisioningTemplate', handle: updateTemplate },
  { method: 'DELETE', path: `${BASE}/{templateName}`, operation: 'DeleteProvisioningTemplate', handle: deleteTemplate },
  { method: 'POST', path: `${BASE}/{templateName}/versions`, operation: 'CreateProvisioningTemplateVersion', handle: createVersion },
  {
    method: 'GET',
    path: `${BASE}/{templateName}/versions/{versionId}`,
    operation: 'DescribeProvisioningTemplateVersion',
    handle: describeVersion,
  },
  { method: 'GET', path: `${BASE}/{templateName}/versions`, operation: 'ListProvisioningTemplateVersions', handle: listVersions },
  {
    method: 'DELETE',
    path: `${BASE}/{templateName}/versions/{versionId}`,
    operation: 'DeleteProvisioningTemplateVersion',
    handle: deleteVersion,
  },
];
