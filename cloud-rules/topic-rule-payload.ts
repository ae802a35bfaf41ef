/**
 * The IoT API's TopicRulePayload, as zod schemas: the shape every rule has, whoever
 * defines it (cloud-rules/rules.ts for pulsepet, an operator through CreateTopicRule).
 * Part of the rules engine that the local rules runtime shares with infra; it knows
 * nothing of pulsepet's own rules.
 * https://docs.aws.amazon.com/iot/latest/apireference/API_TopicRulePayload.html
 */
import { z } from 'zod';
import { valueDepthExceeds } from '../common/json-depth';

/** https://docs.aws.amazon.com/iot/latest/apireference/API_CreateTopicRule.html (ruleName pattern). */
export const RULE_NAME_RE = /^[a-zA-Z0-9_]{1,128}$/;

/**
 * Deepest nesting accepted inside the action fields kept as they are sent (republish
 * `headers`, action types the local runtime does not run). The deepest API_Action
 * shape nests 4 levels below its action type (e.g. `http.auth.sigv4.…`); a deeper
 * value is refused before anything serializes it recursively (storing the rule does).
 */
export const MAX_ACTION_FIELD_DEPTH = 16;

/** An action field kept as sent, refused when nested past {@link MAX_ACTION_FIELD_DEPTH}. */
const opaqueField = z
  .unknown()
  .refine((v) => !valueDepthExceeds(v, MAX_ACTION_FIELD_DEPTH), `must not nest deeper than ${MAX_ACTION_FIELD_DEPTH} levels`);

export const LambdaActionSchema = z.object({ functionArn: z.string().min(1).max(2048) }).strict();

export const RepublishActionSchema = z
  .object({
    roleArn: z.string().min(1),
    topic: z.string().min(1),
    qos: z.union([z.literal(0), z.literal(1)]).optional(),
    headers: z.record(z.string(), opaqueField).optional(),
  })
  .strict();

export const TimestreamDimensionSchema = z.object({ name: z.string().min(1).max(60), value: z.string() }).strict();

export const TimestreamActionSchema = z
  .object({
    roleArn: z.string().min(1),
    databaseName: z.string().min(1),
    tableName: z.string().min(1),
    dimensions: z.array(TimestreamDimensionSchema).min(1).max(128),
    timestamp: z
      .object({ value: z.string().min(1), unit: z.enum(['SECONDS', 'MILLISECONDS', 'MICROSECONDS', 'NANOSECONDS']) })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    // timestream-rule-action: reserved dimension names and prefixes.
    for (const [i, d] of a.dimensions.entries()) {
      if (['measure_name', 'measure_value', 'time'].includes(d.name) || /^(ts_|measure_value)/.test(d.name) || d.name.includes(':')) {
        ctx.addIssue({ code: 'custom', path: ['dimensions', i, 'name'], message: `dimension name ${JSON.stringify(d.name)} is reserved` });
      }
    }
  });

/** Action types the local rules runtime executes; others are stored and fail at run time with an error action. */
export const LOCAL_ACTION_TYPES = ['lambda', 'republish', 'timestream'] as const;

/** One rule action: an object with exactly one action-type key (API_Action). */
export const ActionSchema = z
  .object({
    lambda: LambdaActionSchema.optional(),
    republish: RepublishActionSchema.optional(),
    timestream: TimestreamActionSchema.optional(),
  })
  .catchall(z.record(z.string(), opaqueField))
  .refine((a) => Object.keys(a).length === 1, { message: 'an action must name exactly one action type' });
export type Action = z.infer<typeof ActionSchema>;

export const TopicRulePayloadSchema = z
  .object({
    sql: z.string().min(1),
    description: z.string().max(2028).optional(),
    actions: z.array(ActionSchema).max(10),
    ruleDisabled: z.boolean().optional(),
    awsIotSqlVersion: z.string().optional(),
    errorAction: ActionSchema.optional(),
  })
  .strict();
export type TopicRulePayload = z.infer<typeof TopicRulePayloadSchema>;
