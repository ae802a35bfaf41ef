/**
 * AWS IoT Core policy documents: parsing and validation.
 *
 * IoT policies follow the IAM policy grammar
 * (https://docs.aws.amazon.com/iot/latest/developerguide/iot-policies.html).
 * This module accepts the subset the local engine can evaluate faithfully and
 * rejects the rest with a clear `PP_ERR_VALIDATION` message, which the gateway
 * maps to `MalformedPolicyException`. Being stricter than AWS is deliberate: a
 * policy the local engine cannot evaluate must not silently grant or deny.
 */
import { z } from 'zod';
import { exceedsJsonDepth } from '../../common/json-depth';
import { PulsepetError } from '../../protocol/errors';

/**
 * CreatePolicy: "policyDocument must have a minimum length of 1, with a maximum
 * length of 2048, excluding whitespace."
 * https://docs.aws.amazon.com/iot/latest/apireference/API_CreatePolicy.html
 */
export const MAX_POLICY_DOCUMENT_CHARS = 2048;

/**
 * IAM: "Role policy size … 10,240 characters" (the inline policies of a role together,
 * whitespace excluded), https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html.
 * Role policies (the display's) are parsed with this limit instead of IoT's.
 */
export const MAX_IAM_ROLE_POLICY_CHARS = 10_240;

/**
 * The deepest nesting the IAM policy grammar allows
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html):
 * the policy object (1) → its `Statement` list (2) → a statement (3) → `Condition`
 * (4) → an operator block (5) → a condition key's value list (6). A document nested
 * deeper cannot be a policy, so it is refused before any recursive work on it.
 */
export const MAX_POLICY_DOCUMENT_DEPTH = 6;

/** IAM condition operators the engine evaluates (each also accepts the `IfExists` suffix). */
export const SUPPORTED_CONDITION_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnNotEquals',
  'ArnLike',
  'ArnNotLike',
  'Bool',
  'Null',
] as const;

export type ConditionOperator = (typeof SUPPORTED_CONDITION_OPERATORS)[number];

/** A statement, normalised: `Action`, `Resource` and condition values are always arrays. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
  /** operator (e.g. `StringEquals`, `BoolIfExists`) → condition key → accepted values */
  Condition?: Record<string, Record<string, string[]>>;
}

/** A parsed, validated and normalised IoT policy document. */
export interface PolicyDocument {
  Version: '2012-10-17';
  Id?: string;
  Statement: PolicyStatement[];
}

// `iot:Publish`, `iot:*Shadow`, `greengrass:*`, or `*` (IAM action grammar: service:pattern).
const ACTION_RE = /^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$/;
// `*`, or a full ARN `arn:partition:service:region:account:resource` (region/account may be wildcards).
const RESOURCE_RE = /^(\*|arn:[^:]+:[^:]+:[^:]*:[^:]*:.+)$/;
// A policy variable reference: `${iot:ClientId}`, `${*}`, `${iot:Connection.Thing.Attributes[a]}`.
const VARIABLE_RE = /\$\{([^}]*)\}/g;

// IAM allows a single value or an array; wrapping first (instead of z.union)
// keeps the nested issue, so the message says what is wrong, not "Invalid input".
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (Array.isArray(v) ? v : [v]), z.array(item).min(1, 'must list at least one entry'));

const conditionValue = z.union([z.string(), z.boolean(), z.number()]);

const actionSchema = z.string().regex(ACTION_RE, 'must be "*" or "service:ActionPattern", e.g. "iot:Publish"');
const resourceSchema = z
  .string()
  .regex(RESOURCE_RE, 'must be "*" or an ARN such as "arn:aws:iot:us-east-1:123456789012:topic/a/b"')
  // biome-ignore lint/suspicious/noTemplateCurlyInString: IoT policy variable syntax, not a JS template
  .refine(balancedVariables, 'has an unterminated or empty policy variable "${...}"');

const conditionSchema = z
  .record(z.string(), z.record(z.string().min(1), oneOrMany(conditionValue)))
  .superRefine((rec, ctx) => {
    for (const op of Object.keys(rec)) {
      if (isSupportedOperator(op)) continue;
      ctx.addIssue({
        code: 'custom',
        path: [op],
        message: `unsupported condition operator ${JSON.stringify(op)}; supported: ${SUPPORTED_CONDITION_OPERATORS.join(', ')} (optionally with IfExists)`,
      });
    }
  });

const statementSchema = z.strictObject({
  // IAM documents Sid as alphanumeric but IoT does not enforce it; rejecting more than AWS would break deploys.
  Sid: z.string().optional(),
  Effect: z.enum(['Allow', 'Deny'], { error: 'must be "Allow" or "Deny"' }),
  Action: oneOrMany(actionSchema),
  Resource: oneOrMany(resourceSchema),
  Condition: conditionSchema.optional(),
});

const documentSchema = z.strictObject({
  Version: z.literal('2012-10-17', { error: 'must be "2012-10-17" (policy variables need this version)' }),
  Id: z.string().optional(),
  Statement: oneOrMany(statementSchema),
});

function isSupportedOperator(op: string): boolean {
  const base = op.endsWith('IfExists') ? op.slice(0, -'IfExists'.length) : op;
  return (SUPPORTED_CONDITION_OPERATORS as readonly string[]).includes(base) && op !== 'NullIfExists';
}

function balancedVariables(s: string): boolean {
  let rest = s;
  for (const m of s.matchAll(VARIABLE_RE)) {
    if (m[1] === undefined || m[1].trim() === '') return false;
    rest = rest.replace(m[0], '');
  }
  return !rest.includes('${');
}

function toArray<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path
        .map((p, n) => (typeof p === 'number' ? `[${p}]` : n === 0 ? String(p) : `.${String(p)}`))
        .join('');
      return path === '' ? i.message : `${path}: ${i.message}`;
    })
    .join('; ');
}

/**
 * Parses and validates an IoT policy document (a JSON string, as CreatePolicy
 * receives it) and returns it normalised.
 *
 * @throws PulsepetError `PP_ERR_VALIDATION` with a message naming every problem
 *   (nesting deeper than the grammar allows, bad JSON, size over `maxChars`
 *   (IoT's 2048 by default) non-whitespace characters, unknown elements, bad
 *   Effect/Action/Resource, unsupported condition operators).
 *
 * @example
 * const doc = parsePolicyDocument(JSON.stringify({
 *   Version: '2012-10-17',
 *   Statement: { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:*:*:client/${iot:ClientId}' },
 * }));
 */
export function parsePolicyDocument(json: string, opts: { maxChars?: number } = {}): PolicyDocument {
  const maxChars = opts.maxChars ?? MAX_POLICY_DOCUMENT_CHARS;
  if (typeof json !== 'string' || json.trim() === '') {
    throw new PulsepetError('PP_ERR_VALIDATION', 'policy document is empty');
  }
  // One pass over the text, before JSON.stringify and zod, which recurse per level.
  if (exceedsJsonDepth(json, MAX_POLICY_DOCUMENT_DEPTH)) {
    throw new PulsepetError(
      'PP_ERR_VALIDATION',
      `policy document is nested more than ${MAX_POLICY_DOCUMENT_DEPTH} levels deep; the policy grammar nests at most ${MAX_POLICY_DOCUMENT_DEPTH} (policy → Statement list → statement → Condition → operator → values)`,
      { details: { maxDepth: MAX_POLICY_DOCUMENT_DEPTH } },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new PulsepetError('PP_ERR_VALIDATION', `policy document is not valid JSON: ${(e as Error).message}`, {
      cause: e,
    });
  }
  // Re-serialising drops the whitespace outside strings, which is what the limit excludes.
  const size = JSON.stringify(raw).length;
  if (size > maxChars) {
    throw new PulsepetError(
      'PP_ERR_VALIDATION',
      `policy document is ${size} characters excluding whitespace; the maximum is ${maxChars}`,
      { details: { size } },
    );
  }
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PulsepetError('PP_ERR_VALIDATION', `malformed policy document: ${formatIssues(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const d = parsed.data;
  const doc: PolicyDocument = {
    Version: d.Version,
    Statement: toArray(d.Statement).map((s) => {
      const st: PolicyStatement = { Effect: s.Effect, Action: toArray(s.Action), Resource: toArray(s.Resource) };
      if (s.Sid !== undefined) st.Sid = s.Sid;
      if (s.Condition !== undefined) {
        st.Condition = {};
        for (const [op, keys] of Object.entries(s.Condition)) {
          const norm: Record<string, string[]> = {};
          for (const [key, values] of Object.entries(keys)) norm[key] = toArray(values).map(String);
          st.Condition[op] = norm;
        }
      }
      return st;
    }),
  };
  if (d.Id !== undefined) doc.Id = d.Id;
  return doc;
}
