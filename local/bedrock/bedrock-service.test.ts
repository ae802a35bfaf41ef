import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BedrockRuntimeClient, ConverseCommand, type ConverseCommandInput, ResourceNotFoundException, ThrottlingException, ValidationException } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBedrockRuntimeClient } from '../../common/bedrock-client';
import { silentLogger } from '../../common/logger';
import { awsClientConfig } from '../../test/support/local/stack';
import { type GatewayHandle, startGateway } from '../gateway/server';
import { type LocalStack, startLocalStack } from '../stack';
import { createBedrockRuntimeService } from './bedrock-service';
import { BedrockFaultsSchema } from './faults';
import { type JsonSchema, schemaViolations } from './json-schema-fill';

const MODEL = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const MOODS = ['calm', 'tired', 'stressed', 'happy'];
/** pulsepet's set_pet_state tool, as the coach will send it (issue 14). */
const SET_PET_STATE: JsonSchema = {
  type: 'object',
  properties: {
    message: { type: 'string', maxLength: 280 },
    animation: { type: 'string', enum: ['idle', 'bounce', 'sleep', 'breathe'] },
    suggestion: { type: 'string', maxLength: 120 },
    mood: { type: 'string', enum: MOODS },
    energy: { type: 'integer', minimum: 0, maximum: 5 },
    tags: { type: 'array', items: { type: 'string', maxLength: 12 }, minItems: 1, maxItems: 3 },
  },
  required: ['message', 'animation', 'suggestion'],
};
const PROMPT = 'readiness: 42\nstress: high\nmood: stressed\nenergy: 9\nweather: rain';

function forcedToolInput(persona: string): ConverseCommandInput {
  return {
    modelId: MODEL,
    system: [{ text: `You are the pet's coach. Persona: ${persona}.` }],
    messages: [{ role: 'user', content: [{ text: PROMPT }] }],
    inferenceConfig: { maxTokens: 300, temperature: 0.2 },
    toolConfig: {
      tools: [{ toolSpec: { name: 'set_pet_state', description: 'Set what the pet says.', inputSchema: { json: SET_PET_STATE as never } } }],
      toolChoice: { tool: { name: 'set_pet_state' } },
    },
  };
}

describe('local Bedrock Converse through the real client', () => {
  let stack: LocalStack;
  let bedrock: BedrockRuntimeClient;
  beforeAll(async () => {
    stack = await startLocalStack({ dataDir: mkdtempSync(join(tmpdir(), 'pp-bedrock-')), tuneGc: false });
    bedrock = createBedrockRuntimeClient(awsClientConfig(stack));
  });
  afterAll(async () => {
    bedrock?.destroy();
    await stack?.close();
  });

  it('answers a forced tool with schema-valid input worded in the persona, and says it is the local coach', async () => {
    const strict = await bedrock.send(new ConverseCommand(forcedToolInput('strict')));
    expect(strict.stopReason).toBe('tool_use');
    expect(strict.additionalModelResponseFields).toEqual({ pulsepetLocalCoach: true });
    const block = strict.output?.message?.content?.[0];
    expect(block?.toolUse?.name).toBe('set_pet_state');
    expect(block?.toolUse?.toolUseId).toMatch(/^tooluse_/);
    const input = block?.toolUse?.input as Record<string, unknown>;
    expect(schemaViolations(SET_PET_STATE, input)).toEqual([]);
    expect(input.mood).toBe('stressed');
    expect(input.energy).toBe(5);
    expect(String(input.message)).toMatch(/readiness 42/i);

    const warm = await bedrock.send(new ConverseCommand(forcedToolInput('encouraging')));
    const warmInput = warm.output?.message?.content?.[0]?.toolUse?.input as Record<string, unknown>;
    expect(schemaViolations(SET_PET_STATE, warmInput)).toEqual([]);
    expect(String(warmInput.message).length).toBeGreaterThan(String(input.message).length);
    expect(warmInput.message).not.toBe(input.message);
    expect(strict.usage?.inputTokens).toBeGreaterThan(0);
    expect(strict.usage?.totalTokens).toBe((strict.usage?.inputTokens ?? 0) + (strict.usage?.outputTokens ?? 0));
    expect(strict.metrics?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('answers text without tools, worded from the facts', async () => {
    const r = await bedrock.send(
      new ConverseCommand({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', messages: [{ role: 'user', content: [{ text: 'steps: 4000; sleep: 6h' }] }] }),
    );
    expect(r.stopReason).toBe('end_turn');
    expect(r.output?.message?.role).toBe('assistant');
    expect(r.output?.message?.content?.[0]?.text).toContain('steps 4000');
    expect(r.additionalModelResponseFields).toEqual({ pulsepetLocalCoach: true });
  });

  it('refuses a malformed request with ValidationException and an unknown model with ResourceNotFoundException', async () => {
    const noMessages = bedrock.send(new ConverseCommand({ modelId: MODEL, messages: [] }));
    await expect(noMessages).rejects.toBeInstanceOf(ValidationException);
    const unknownTool = forcedToolInput('strict');
    unknownTool.toolConfig = { ...unknownTool.toolConfig, tools: unknownTool.toolConfig?.tools ?? [], toolChoice: { tool: { name: 'nope' } } };
    await expect(bedrock.send(new ConverseCommand(unknownTool))).rejects.toBeInstanceOf(ValidationException);
    const impossible = forcedToolInput('strict');
    impossible.toolConfig = {
      tools: [{ toolSpec: { name: 'set_pet_state', inputSchema: { json: { type: 'object', properties: { m: { type: 'string', minLength: 5, maxLength: 2 } } } } } }],
      toolChoice: { tool: { name: 'set_pet_state' } },
    };
    await expect(bedrock.send(new ConverseCommand(impossible))).rejects.toThrow(/cannot satisfy the inputSchema/);
    const unknownModel = bedrock.send(new ConverseCommand({ ...forcedToolInput('strict'), modelId: 'meta.llama3-8b-instruct-v1:0' }));
    await expect(unknownModel).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('counts requests by model and outcome on GET /metrics', async () => {
    const text = await (await fetch(`${stack.httpEndpoint}/metrics`)).text();
    expect(text).toContain('# TYPE pulsepet_bedrock_converse_requests_total counter');
    expect(text).toContain(`pulsepet_bedrock_converse_requests_total{model="${MODEL}",outcome="tool_use"} 2`);
    expect(text).toContain('pulsepet_bedrock_converse_requests_total{model="unknown",outcome="not_found"} 1');
    expect(text).toContain(`pulsepet_bedrock_converse_requests_total{model="${MODEL}",outcome="validation_error"} 3`);
  });
});

describe('local Bedrock fault injection', () => {
  const credentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' };
  async function withFaults(spec: string, run: (client: BedrockRuntimeClient) => Promise<void>): Promise<void> {
    const service = createBedrockRuntimeService({ logger: silentLogger(), faults: BedrockFaultsSchema.parse(spec) });
    const gw: GatewayHandle = await startGateway({ port: 0, region: 'us-east-1', credentials, services: [service], logger: silentLogger() });
    const client = createBedrockRuntimeClient({ endpoint: gw.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    try {
      await run(client);
    } finally {
      client.destroy();
      await gw.close();
    }
  }

  it('throttle=1 answers ThrottlingException', async () => {
    await withFaults('throttle=1', async (c) => {
      await expect(c.send(new ConverseCommand(forcedToolInput('strict')))).rejects.toBeInstanceOf(ThrottlingException);
    });
  });

  it('malformed=1 answers a tool input that breaks the schema', async () => {
    await withFaults('malformed=1', async (c) => {
      const r = await c.send(new ConverseCommand(forcedToolInput('strict')));
      expect(r.stopReason).toBe('tool_use');
      expect(schemaViolations(SET_PET_STATE, r.output?.message?.content?.[0]?.toolUse?.input)).not.toEqual([]);
    });
  });

  it('latency delays the answer and is reported in metrics.latencyMs', async () => {
    await withFaults('latency=300ms', async (c) => {
      const t0 = performance.now();
      const r = await c.send(new ConverseCommand(forcedToolInput('strict')));
      expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
      expect(r.metrics?.latencyMs).toBeGreaterThanOrEqual(290);
    });
  });
});
