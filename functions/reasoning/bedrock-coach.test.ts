import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBedrockRuntimeClient } from '../../common/bedrock-client';
import { SET_PET_STATE_TOOL } from '../../protocol/coach';
import { prediction } from '../../test/support/functions/prediction';
import { ConverseFailure } from '../shared/converse-call';
import { BedrockCoach, coachRequest, parseCoachAnswer } from './bedrock-coach';
import type { CoachInput } from './ports';

/**
 * The parser against AWS's format: a Converse answer as Bedrock sends it (written from
 * the Converse API reference: a text block before the tool use, `usage` with cache
 * fields, `metrics.latencyMs`) goes through the real client's deserializer, served by a
 * plain HTTP server, not by pulsepet's own Bedrock service.
 */
const RECORDED = readFileSync(new URL('./fixtures/converse-tool-use.json', import.meta.url), 'utf8');

let server: Server;
let endpoint: string;
const received: { path: string; body: Record<string, unknown> }[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'e8a3f1c2-0000-4000-8000-000000000001' });
      res.end(RECORDED);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const stressed: CoachInput = {
  thing: 'pet-1',
  persona: 'encouraging',
  prediction: prediction({ stress: 'stress' }),
  mood: 'stressed',
  stateHash: 'abcdef0123456789',
  now: Date.parse('2026-12-05T10:00:00Z'),
  environment: { altitudeM: 1200, ambientTempC: 4.25, speedKmh: 0, weather: 'light rain' },
};

function answer(input: unknown, stopReason: ConverseCommandOutput['stopReason'] = 'tool_use'): ConverseCommandOutput {
  return {
    $metadata: {},
    output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: SET_PET_STATE_TOOL, input: input as never } }] } },
    stopReason,
    usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
    metrics: { latencyMs: 1 },
  };
}

describe('Bedrock coach', () => {
  it('reads a recorded Converse tool-use answer through the real client, and forces the tool in its request', async () => {
    const client = createBedrockRuntimeClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' }, maxAttempts: 1 });
    const coach = new BedrockCoach(client, { modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0', deadlineMs: 5_000 });
    const a = await coach.word(stressed);
    expect(a.words).toEqual({
      message: "Your heart is racing while you sit still. Let's slow down together.",
      animation: 'breathe',
      suggestion: 'Try four slow breaths: in for four, out for six.',
      mood: 'stressed',
    });
    expect(a.usage).toEqual({ inputTokens: 712, outputTokens: 96 });
    expect(a.attempts).toBe(1);
    const sent = received.at(-1);
    expect(sent?.path).toBe(`/model/${encodeURIComponent('us.anthropic.claude-haiku-4-5-20251001-v1:0')}/converse`);
    expect(sent?.body).toMatchObject({ toolConfig: { toolChoice: { tool: { name: 'set_pet_state' } } }, inferenceConfig: { maxTokens: 300 } });
    type Tools = { tools: { toolSpec: { inputSchema: { json: { properties: { mood: { enum: string[] } } } } } }[] };
    const tools = sent?.body.toolConfig as Tools | undefined;
    expect(tools?.tools[0]?.toolSpec.inputSchema.json.properties.mood.enum).toEqual(['stressed']);
    client.destroy();
  });

  it('builds the prompt from the persona, the verdict and the environment, quoted as data', () => {
    const req = coachRequest(stressed, 'm');
    expect(req.system?.[0]?.text).toMatch(/encouraging/);
    const user = req.messages?.[0]?.content?.[0]?.text ?? '';
    expect(user).toMatch(/^mood: stressed$/m);
    expect(user).toMatch(/^stress: stress \(level 20 of 100\)$/m);
    expect(user).toMatch(/^readiness contributors: lnRmssd -9\.2 points/m);
    expect(user).toMatch(/<device_data>\naltitude_m: 1200\nambient_temp_c: 4\.3\nspeed_kmh: 0\nweather: "light rain"\n<\/device_data>/);
    expect(coachRequest({ ...stressed, persona: 'strict' }, 'm').system?.[0]?.text).toMatch(/strict/);
  });

  it('discards an answer out of schema or contradicting the models: a mood they do not allow, a long message, no tool use', () => {
    const ok = { message: 'Breathe with me.', animation: 'breathe', suggestion: 'Four slow breaths.' };
    expect(parseCoachAnswer(answer(ok), stressed)).toEqual(ok);
    const bad: [unknown, ConverseCommandOutput['stopReason']][] = [
      [{ ...ok, mood: 'ecstatic' }, 'tool_use'],
      [{ ...ok, animation: 'celebrate' }, 'tool_use'],
      [{ ...ok, message: 'x'.repeat(281) }, 'tool_use'],
      [{ ...ok, extra: 'field' }, 'tool_use'],
      [{ message: 'Breathe.' }, 'tool_use'],
      [ok, 'end_turn'],
      [ok, 'max_tokens'],
    ];
    for (const [input, stop] of bad) {
      const err = (() => {
        try {
          parseCoachAnswer(answer(input, stop), stressed);
        } catch (e) {
          return e;
        }
      })();
      expect(err, JSON.stringify(input)).toBeInstanceOf(ConverseFailure);
      expect(err).toMatchObject({ reason: 'malformed', usage: { inputTokens: 1, outputTokens: 1 } });
    }
    const textOnly: ConverseCommandOutput = { ...answer(ok), output: { message: { role: 'assistant', content: [{ text: 'Breathe.' }] } } };
    expect(() => parseCoachAnswer(textOnly, stressed)).toThrow(/no set_pet_state tool use/);
  });
});
