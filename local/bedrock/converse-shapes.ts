import { z } from 'zod';

/**
 * The Converse request body (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html),
 * the subset pulsepet's coach sends. Unknown members are ignored, as the service ignores
 * members it does not model for a given model.
 */
const JsonObject = z.record(z.string(), z.unknown());

/** ContentBlock: a union, exactly one member set (text, toolUse or toolResult here). */
const ContentBlock = z.union([
  z.object({ text: z.string() }).strict(),
  z.object({ toolUse: z.object({ toolUseId: z.string().min(1).max(64), name: z.string().min(1).max(64), input: z.unknown() }) }).strict(),
  z
    .object({
      toolResult: z.object({
        toolUseId: z.string().min(1).max(64),
        content: z.array(z.union([z.object({ text: z.string() }), z.object({ json: z.unknown() })])),
        status: z.enum(['success', 'error']).optional(),
      }),
    })
    .strict(),
]);
export type ContentBlock = z.infer<typeof ContentBlock>;

const Message = z.object({ role: z.enum(['user', 'assistant']), content: z.array(ContentBlock).min(1) });

/** ToolSpecification: name `^[a-zA-Z0-9_-]{1,64}$`, the input schema as a JSON document. */
const Tool = z.object({
  toolSpec: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
    description: z.string().min(1).optional(),
    inputSchema: z.object({ json: JsonObject }),
  }),
});

/** ToolChoice: a union of `auto`, `any` or `tool{name}`. */
const ToolChoice = z.union([
  z.object({ auto: z.object({}) }).strict(),
  z.object({ any: z.object({}) }).strict(),
  z.object({ tool: z.object({ name: z.string().min(1).max(64) }) }).strict(),
]);

export const ConverseRequest = z.object({
  messages: z.array(Message).min(1),
  system: z.array(z.object({ text: z.string().min(1) })).optional(),
  inferenceConfig: z
    .object({
      maxTokens: z.number().int().min(1).optional(),
      temperature: z.number().min(0).max(1).optional(),
      topP: z.number().min(0).max(1).optional(),
      stopSequences: z.array(z.string()).max(4).optional(),
    })
    .optional(),
  toolConfig: z.object({ tools: z.array(Tool).min(1), toolChoice: ToolChoice.optional() }).optional(),
});
export type ConverseRequest = z.infer<typeof ConverseRequest>;

/** StopReason values the local coach answers with (a subset of the API's enum). */
export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens';

/** The Converse response body. */
export interface ConverseResponse {
  output: { message: { role: 'assistant'; content: Array<{ text: string } | { toolUse: { toolUseId: string; name: string; input: unknown } }> } };
  stopReason: StopReason;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number };
  metrics: { latencyMs: number };
  additionalModelResponseFields: { pulsepetLocalCoach: true };
}

/**
 * Model ids the local service answers: Anthropic and Amazon foundation models, bare
 * (`anthropic.claude-3-haiku-20240307-v1:0`, `amazon.nova-lite-v1:0`) or as a
 * cross-region inference profile (`us.`, `eu.`, `apac.`, `global.` prefix). Anything
 * else is a ResourceNotFoundException, as for a model the account cannot reach.
 */
export const ACCEPTED_MODEL_ID = /^(?:(?:us|eu|apac|global)\.)?(?:anthropic|amazon)\.[a-z0-9][a-z0-9.-]*(?::\d+)?$/;

/** Tokens as an estimate: characters / 4, rounded up (the local coach has no tokenizer). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
