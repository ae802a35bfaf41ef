/**
 * `pulsepet fleet template create|list|describe|delete`: fleet provisioning templates
 * through @aws-sdk/client-iot (Create/List/Describe/DeleteProvisioningTemplate).
 * https://docs.aws.amazon.com/iot/latest/developerguide/provision-template.html
 */
import { readFileSync } from 'node:fs';
import {
  CreateProvisioningTemplateCommand,
  DeleteProvisioningTemplateCommand,
  type DescribeProvisioningTemplateCommandOutput,
  DescribeProvisioningTemplateCommand,
  GetPolicyCommand,
  ListProvisioningTemplatesCommand,
  type ProvisioningTemplateSummary,
} from '@aws-sdk/client-iot';
import { z } from 'zod';
import { type FlagSpec, parseFlags, UsageError } from '../../common/cli-config';
import { PulsepetError } from '../../protocol/errors';
import { DEVICE_POLICY_NAME } from '../../protocol/policies';
import { call, type FleetContext, FleetError } from './context';
import { BaseFlags } from './flags';

/** The role `template create` names when --role-arn is not given: `pulsepet-provisioning` in the caller's account. */
export const DEFAULT_PROVISIONING_ROLE = 'pulsepet-provisioning';
/** The only pre-provisioning hook payload version AWS defines. */
const HOOK_PAYLOAD_VERSION = '2020-04-01';

/** AWS's `templateName` pattern. */
export const templateName = z.string().regex(/^[0-9A-Za-z_-]{1,36}$/, 'template names are [0-9A-Za-z_-], 1..36 chars');

const ACTIONS = ['create', 'list', 'describe', 'delete'] as const;
/** CreateProvisioningTemplate's `type`: a fleet template (by claim) or a JITP one (a CA's registration config). */
const TEMPLATE_TYPES = ['FLEET_PROVISIONING', 'JITP'] as const;

/** `fleet template ACTION [NAME] …`. */
export const TemplateFlags = BaseFlags.extend({
  action: z.enum(ACTIONS, { message: `expected one of ${ACTIONS.join(', ')} (fleet template ACTION [NAME])` }),
  name: templateName.optional(),
  file: z.string().min(1).optional(),
  'role-arn': z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'expected an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)').optional(),
  'pre-provisioning-hook': z.string().regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/, 'expected a Lambda function ARN').optional(),
  description: z.string().max(500).optional(),
  type: z.enum(TEMPLATE_TYPES, { message: `expected ${TEMPLATE_TYPES.join(' or ')}` }).optional(),
})
  .refine((f) => f.action === 'list' || f.name !== undefined, { message: 'missing NAME (fleet template create|describe|delete NAME)' })
  .refine((f) => f.action !== 'create' || f.file !== undefined, { message: '--file template.json is required to create a template' })
  // the grammar is `create|list|describe|delete NAME --file template.json`: --file is
  // accepted by every action (only create reads it); the other settings are create's alone
  .refine((f) => f.action === 'create' || (f['role-arn'] ?? f['pre-provisioning-hook'] ?? f.description ?? f.type) === undefined, {
    message: '--role-arn, --pre-provisioning-hook, --description and --type go with create only',
  })
  .refine((f) => f.type !== 'JITP' || f['pre-provisioning-hook'] === undefined, { message: '--pre-provisioning-hook: a JITP template has no pre-provisioning hook' });
type TemplateArgs = z.infer<typeof TemplateFlags>;

const positionals = (v: Record<string, unknown>, pos: string[]): Record<string, unknown> => {
  if (pos.length > 2) throw new UsageError([`unexpected arguments: ${pos.slice(2).join(' ')}`]);
  return { ...v, action: pos[0], name: pos[1] };
};

/** Runs `fn` with a fleet context (built from the environment and --region) and frees it. */
export type WithContext = <T>(region: string | undefined, fn: (ctx: FleetContext) => Promise<T>) => Promise<T>;

/** `pulsepet fleet template …`: exit 0, or 2 with the reason on stderr (thrown to cli/fleet.ts). */
export async function templateCommand(argv: string[], spec: FlagSpec, withContext: WithContext): Promise<number> {
  const f = parseFlags(argv, spec, TemplateFlags, positionals);
  return withContext(f.region, async (ctx) => {
    if (f.action === 'create') ctx.stdout.write(createdReport(await createTemplate(ctx, f), f.json));
    else if (f.action === 'list') {
      // `list NAME` lists that template only (an empty list when it does not exist)
      const all = await listTemplates(ctx);
      ctx.stdout.write(templateListReport(f.name === undefined ? all : all.filter((t) => t.templateName === f.name), f.json));
    }
    else if (f.action === 'describe') ctx.stdout.write(templateReport(await describeTemplate(ctx, f.name ?? ''), f.json));
    else {
      const name = f.name ?? '';
      await call(ctx, 'DeleteProvisioningTemplate', () => ctx.iot.send(new DeleteProvisioningTemplateCommand({ templateName: name })));
      ctx.stdout.write(f.json ? `${JSON.stringify({ deleted: name })}\n` : `deleted template ${name}\n`);
    }
    return 0;
  });
}

function readTemplateBody(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new PulsepetError('PP_ERR_CONFIG', `cannot read template ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** `arn:aws:iam::ACCOUNT:role/pulsepet-provisioning`, the account taken from the device policy's ARN. */
async function defaultRoleArn(ctx: FleetContext): Promise<string> {
  const p = await call(ctx, `GetPolicy ${DEVICE_POLICY_NAME} (to name the default provisioning role; or pass --role-arn)`, () =>
    ctx.iot.send(new GetPolicyCommand({ policyName: DEVICE_POLICY_NAME })),
  );
  const m = /^arn:(aws[a-z-]*):iot:[^:]*:(\d{12}):/.exec(p.policyArn ?? '');
  if (!m) throw new FleetError(`cannot tell the account from ${p.policyArn ?? 'no policy ARN'}: pass --role-arn`);
  return `arn:${m[1]}:iam::${m[2]}:role/${DEFAULT_PROVISIONING_ROLE}`;
}

interface Created {
  templateName: string;
  type: (typeof TEMPLATE_TYPES)[number];
  templateArn: string;
  defaultVersionId: number;
  provisioningRoleArn: string;
}

/** CreateProvisioningTemplate: enabled, FLEET_PROVISIONING unless --type. An invalid body is refused by IoT Core with every problem named. */
async function createTemplate(ctx: FleetContext, f: TemplateArgs): Promise<Created> {
  const templateBody = readTemplateBody(f.file ?? '');
  const type = f.type ?? 'FLEET_PROVISIONING';
  const provisioningRoleArn = f['role-arn'] ?? (await defaultRoleArn(ctx));
  const hook = f['pre-provisioning-hook'];
  const r = await call(ctx, 'CreateProvisioningTemplate', () =>
    ctx.iot.send(
      new CreateProvisioningTemplateCommand({
        templateName: f.name ?? '',
        templateBody,
        enabled: true,
        type,
        provisioningRoleArn,
        ...(hook ? { preProvisioningHook: { targetArn: hook, payloadVersion: HOOK_PAYLOAD_VERSION } } : {}),
        ...(f.description !== undefined ? { description: f.description } : {}),
      }),
    ),
  );
  return { templateName: r.templateName ?? f.name ?? '', type, templateArn: r.templateArn ?? '', defaultVersionId: r.defaultVersionId ?? 1, provisioningRoleArn };
}

async function listTemplates(ctx: FleetContext): Promise<ProvisioningTemplateSummary[]> {
  const all: ProvisioningTemplateSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await call(ctx, 'ListProvisioningTemplates', () => ctx.iot.send(new ListProvisioningTemplatesCommand({ ...(nextToken ? { nextToken } : {}) })));
    all.push(...(page.templates ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return all;
}

async function describeTemplate(ctx: FleetContext, name: string): Promise<Omit<DescribeProvisioningTemplateCommandOutput, '$metadata'>> {
  const { $metadata: _, ...d } = await call(ctx, 'DescribeProvisioningTemplate', () => ctx.iot.send(new DescribeProvisioningTemplateCommand({ templateName: name })));
  return d;
}

function createdReport(c: Created, json: boolean): string {
  return json ? `${JSON.stringify(c)}\n` : `created template ${c.templateName}: ${c.type}, enabled, version ${c.defaultVersionId}, role ${c.provisioningRoleArn}, arn ${c.templateArn}\n`;
}

const day = (d: Date | undefined): string => (d ? d.toISOString() : '-');

/** A NAME / TYPE / ENABLED / MODIFIED table, or `{ templates }` (AWS's summaries). */
export function templateListReport(templates: readonly ProvisioningTemplateSummary[], json: boolean): string {
  if (json) return `${JSON.stringify({ templates })}\n`;
  const w = Math.max(4, ...templates.map((t) => (t.templateName ?? '').length));
  let out = `${'NAME'.padEnd(w)}  ${'TYPE'.padEnd(18)}  ENABLED  MODIFIED\n`;
  for (const t of templates) out += `${(t.templateName ?? '').padEnd(w)}  ${(t.type ?? '-').padEnd(18)}  ${String(t.enabled ?? false).padEnd(7)}  ${day(t.lastModifiedDate)}\n`;
  return out;
}

/** The template's settings, then its body (pretty JSON); or AWS's DescribeProvisioningTemplate shape. */
export function templateReport(d: Omit<DescribeProvisioningTemplateCommandOutput, '$metadata'>, json: boolean): string {
  if (json) return `${JSON.stringify(d)}\n`;
  let body = d.templateBody ?? '';
  try {
    body = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    // shown as stored
  }
  return [
    `template ${d.templateName}`,
    `  arn ${d.templateArn ?? '-'}`,
    `  type ${d.type ?? '-'}`,
    `  enabled ${d.enabled ?? false}`,
    `  role ${d.provisioningRoleArn ?? '-'}`,
    `  pre-provisioning hook ${d.preProvisioningHook?.targetArn ?? '-'}`,
    `  default version ${d.defaultVersionId ?? '-'}`,
    `  description ${d.description || '-'}`,
    `  created ${day(d.creationDate)}  modified ${day(d.lastModifiedDate)}`,
    '  body',
    ...body.split('\n').map((l) => `    ${l}`),
    '',
  ].join('\n');
}
