import {
  type BedrockRuntimeClient,
  InvokeModelCommand,
  ModelTimeoutException,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBedrockRuntimeClient } from '../../common/bedrock-client';
import { silentLogger } from '../../common/logger';
import { LOCAL_IMAGE_TEXT_KEY, pngText, readPng } from '../../protocol/avatar-png';
import { type GatewayHandle, startGateway } from '../gateway/server';
import { type BedrockRuntimeService, createBedrockRuntimeService } from './bedrock-service';
import { BedrockFaultsSchema } from './faults';

const NOVA = 'amazon.nova-canvas-v1:0';
const credentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' };

function body(text: string, config: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    taskType: 'TEXT_IMAGE',
    textToImageParams: { text, negativeText: 'photorealism, text' },
    imageGenerationConfig: { numberOfImages: 1, width: 512, height: 512, cfgScale: 6.5, seed: 7, quality: 'standard', ...config },
    ...extra,
  });
}

async function invoke(client: BedrockRuntimeClient, modelId: string, json: string): Promise<{ images: string[]; error?: string }> {
  const out = await client.send(new InvokeModelCommand({ modelId, contentType: 'application/json', accept: 'application/json', body: new TextEncoder().encode(json) }));
  expect(out.contentType).toBe('application/json');
  return JSON.parse(new TextDecoder().decode(out.body)) as { images: string[]; error?: string };
}

async function withBedrock(faults: string | undefined, run: (client: BedrockRuntimeClient, service: BedrockRuntimeService) => Promise<void>): Promise<void> {
  const service = createBedrockRuntimeService({ logger: silentLogger(), ...(faults ? { faults: BedrockFaultsSchema.parse(faults) } : {}) });
  const gw: GatewayHandle = await startGateway({ port: 0, region: 'us-east-1', credentials, services: [service], logger: silentLogger() });
  const client = createBedrockRuntimeClient({ endpoint: gw.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  try {
    await run(client, service);
  } finally {
    client.destroy();
    await gw.close();
  }
}

describe('local Bedrock InvokeModel (Nova Canvas TEXT_IMAGE) through the real client', () => {
  let client: BedrockRuntimeClient;
  let service: BedrockRuntimeService;
  let gw: GatewayHandle;
  beforeAll(async () => {
    service = createBedrockRuntimeService({ logger: silentLogger() });
    gw = await startGateway({ port: 0, region: 'us-east-1', credentials, services: [service], logger: silentLogger() });
    client = createBedrockRuntimeClient({ endpoint: gw.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    client?.destroy();
    await gw?.close();
  });

  it('answers base64 PNGs of the requested size, drawn from the prompt facts and marked local', async () => {
    const r = await invoke(client, NOVA, body('A cute round pet. Mood: stressed. Energy: low. Scene: rain. Persona: strict.', { width: 640, height: 384 }));
    expect(r.error).toBeUndefined();
    expect(r.images).toHaveLength(1);
    const png = Buffer.from(r.images[0] ?? '', 'base64');
    const read = readPng(png);
    expect(read).toMatchObject({ ok: true, width: 640, height: 384 });
    const text = pngText(png) ?? {};
    expect(text[LOCAL_IMAGE_TEXT_KEY]).toMatch(/local Bedrock stand-in/);
    expect(text['pulsepet-facts']).toContain('mood=stressed energy=low scene=rain persona=strict');
  });

  it('is deterministic for the same request, and numberOfImages gives that many different images', async () => {
    const json = body('Mood: happy. Scene: mountain.', { numberOfImages: 3 });
    const a = await invoke(client, NOVA, json);
    const b = await invoke(client, NOVA, json);
    expect(a.images).toHaveLength(3);
    expect(b.images).toEqual(a.images);
    expect(new Set(a.images).size).toBe(3);
  });

  it('applies the documented defaults (1024 × 1024, one image) and serves Titan Image Generator v2 too', async () => {
    const r = await invoke(client, 'amazon.titan-image-generator-v2:0', JSON.stringify({ taskType: 'TEXT_IMAGE', textToImageParams: { text: 'a calm pet' } }));
    expect(r.images).toHaveLength(1);
    expect(readPng(Buffer.from(r.images[0] ?? '', 'base64'))).toMatchObject({ ok: true, width: 1024, height: 1024 });
  });

  it.each([
    ['a width that is not a multiple of 16', body('pet', { width: 500 }), /multiple of 16/],
    ['a side under 320 px', body('pet', { width: 304 }), /320|too small|>=/],
    ['an aspect ratio past 4:1', body('pet', { width: 2048, height: 320 }), /aspect ratio/],
    ['more than 5 images', body('pet', { numberOfImages: 6 }), /numberOfImages/],
    ['an empty prompt', body(''), /text/],
    ['a task the stand-in does not paint', body('pet', {}, { taskType: 'INPAINTING' }), /INPAINTING/],
    ['an unknown member', body('pet', {}, { surprise: true }), /surprise|Unrecognized/i],
  ])('refuses %s with ValidationException', async (_what, json, message) => {
    const err = await invoke(client, NOVA, json).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationException);
    expect((err as Error).message).toMatch(message);
  });

  it('refuses a text model with ValidationException and an unknown model with ResourceNotFoundException', async () => {
    await expect(invoke(client, 'anthropic.claude-3-haiku-20240307-v1:0', body('pet'))).rejects.toBeInstanceOf(ValidationException);
    await expect(invoke(client, 'stability.sd3-large-v1:0', body('pet'))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('counts requests and images on its metrics', () => {
    const text = service.metrics();
    expect(text).toContain(`pulsepet_bedrock_invoke_model_requests_total{model="${NOVA}",outcome="images"} 3`);
    expect(text).toContain(`pulsepet_bedrock_images_total{model="${NOVA}"} 7`);
    expect(text).toContain(`pulsepet_bedrock_invoke_model_requests_total{model="${NOVA}",outcome="validation_error"} 7`);
  });
});

describe('local Bedrock InvokeModel fault injection', () => {
  it('throttle=1 answers ThrottlingException (429)', async () => {
    await withBedrock('throttle=1', async (c) => {
      const err = await invoke(c, NOVA, body('pet')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ThrottlingException);
      expect((err as ThrottlingException).$metadata.httpStatusCode).toBe(429);
    });
  });

  it('timeout=1 answers ModelTimeoutException (408)', async () => {
    await withBedrock('timeout=1', async (c) => {
      await expect(invoke(c, NOVA, body('pet'))).rejects.toBeInstanceOf(ModelTimeoutException);
    });
  });

  it('filtered=1 blocks the prompt as Nova Canvas does: ValidationException naming the content filters', async () => {
    await withBedrock('filtered=1', async (c) => {
      const err = await invoke(c, NOVA, body('pet')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationException);
      expect((err as Error).message).toBe('This request has been blocked by our content filters. Please adjust your text prompt to submit a new request.');
    });
  });

  it('blocked=1 answers 200 with no images and the output filter’s error', async () => {
    await withBedrock('blocked=1', async (c, service) => {
      const r = await invoke(c, NOVA, body('pet'));
      expect(r).toEqual({ images: [], error: 'All of the generated images have been blocked by our content filters.' });
      expect(service.metrics()).toContain('outcome="blocked_injected"} 1');
    });
  });
});
