import type { ConverseRequest, ConverseResponse, StopReason } from './converse-shapes';
import { estimateTokens } from './converse-shapes';
import { breakValue, fillSchema, type JsonSchema, schemaViolations } from './json-schema-fill';
import { coachSentence, factsOf, fillSourceFor, lastUserText, personaOf } from './local-coach';

/** A forced tool's input schema the local coach cannot satisfy (answered as a ValidationException). */
export class UnsatisfiableSchemaError extends Error {}

type Content = ConverseResponse['output']['message']['content'];

/** The tool a request forces (`toolChoice.tool`, or the first tool for `any`), or undefined. */
export function forcedTool(req: ConverseRequest): { name: string; schema: JsonSchema } | undefined {
  const cfg = req.toolConfig;
  const choice = cfg?.toolChoice;
  if (!cfg || !choice || 'auto' in choice) return undefined;
  const name = 'tool' in choice ? choice.tool.name : cfg.tools[0]?.toolSpec.name;
  const spec = cfg.tools.find((t) => t.toolSpec.name === name)?.toolSpec;
  return spec ? { name: spec.name, schema: spec.inputSchema.json } : undefined;
}

/** Every character the model would read: system, messages, tool specs (for the token estimate). */
function inputText(req: ConverseRequest): string {
  return JSON.stringify([req.system ?? [], req.messages, req.toolConfig ?? {}]);
}

/**
 * The local coach's answer to a valid Converse request: a forced tool's input filled
 * from its schema (broken on purpose when `malformed`), else text; both worded from
 * the prompt's facts in the system prompt's persona. `usage` is an estimate
 * (characters / 4).
 */
export function coachAnswer(
  req: ConverseRequest,
  opts: { toolUseId: string; malformed: boolean; latencyMs: number },
): Omit<ConverseResponse, 'metrics'> & { metrics: { latencyMs: number } } {
  const persona = personaOf(req);
  const facts = factsOf(lastUserText(req));
  const tool = forcedTool(req);
  let content: Content;
  let stopReason: StopReason;
  if (tool) {
    const valid = fillSchema(tool.schema, fillSourceFor(facts, persona));
    const problems = schemaViolations(tool.schema, valid);
    // A schema the walker cannot satisfy (contradictory bounds): say so rather than answer out of schema.
    if (problems.length > 0 && !opts.malformed) throw new UnsatisfiableSchemaError(`The local coach cannot satisfy the inputSchema of tool ${tool.name}: ${problems.join('; ')}`);
    const input = opts.malformed ? breakValue(tool.schema, valid) : valid;
    content = [{ toolUse: { toolUseId: opts.toolUseId, name: tool.name, input } }];
    stopReason = 'tool_use';
  } else {
    let text = coachSentence(facts, persona);
    stopReason = 'end_turn';
    const maxChars = (req.inferenceConfig?.maxTokens ?? Number.POSITIVE_INFINITY) * 4;
    if (text.length > maxChars) {
      text = text.slice(0, maxChars);
      stopReason = 'max_tokens';
    }
    content = [{ text }];
  }
  const inputTokens = estimateTokens(inputText(req));
  const outputTokens = estimateTokens(JSON.stringify(content));
  return {
    output: { message: { role: 'assistant', content } },
    stopReason,
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    metrics: { latencyMs: opts.latencyMs },
    additionalModelResponseFields: { pulsepetLocalCoach: true },
  };
}
