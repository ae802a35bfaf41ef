import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient, ValidationError } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPulsepetStack } from '../../cli/pulsepet-stack';
import type { LocalStack } from '../../local/index';
import type { FeatureVector } from '../../protocol/models';
import { awsClientConfig } from '../../test/support/local/stack';
import { MODEL_ENDPOINT_NAME } from './model-container';
import { inProcessModels, sagemakerModels } from './model-adapters';
import { minuteAggregates, populationBaseline } from './models/index';

let dir: string;
let stack: LocalStack;
let client: SageMakerRuntimeClient;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-sagemaker-'));
  stack = await startPulsepetStack({ dataDir: join(dir, 'data') });
  client = new SageMakerRuntimeClient(awsClientConfig(stack));
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

function features(kind: 'stress' | 'run' | 'rest', now = 1_796_400_000_000): FeatureVector {
  const samples = Array.from({ length: 20 * 60 }, (_, k) => {
    const t = now - (20 * 60 - k) * 1000;
    if (kind === 'stress') return { t, hr: 95, hrvRmssd: 15, steps: 0, accelG: 0.02 };
    if (kind === 'run') return { t, hr: 150, hrvRmssd: 12, steps: 3, accelG: 1.5 };
    return { t, hr: 60, hrvRmssd: 50, steps: 0, accelG: 0.01 };
  });
  return { now, minutes: minuteAggregates(samples).minutes, baseline: populationBaseline() };
}

describe('The models behind a SageMaker endpoint (local SageMaker runtime, real client)', () => {
  it.each(['stress', 'run', 'rest'] as const)('gives exactly the in-process prediction for a %s window', async (kind) => {
    const f = features(kind);
    const remote = await sagemakerModels(client, MODEL_ENDPOINT_NAME).predict(f);
    expect(remote).toEqual(await inProcessModels.predict(f));
  });

  it('answers an unknown endpoint with ValidationError, as SageMaker does', async () => {
    const call = client.send(new InvokeEndpointCommand({ EndpointName: 'no-such-endpoint', ContentType: 'application/json', Body: Buffer.from('{}') }));
    await expect(call).rejects.toBeInstanceOf(ValidationError);
    await expect(call).rejects.toThrow(/Endpoint no-such-endpoint of account \d{12} not found/);
  });

  it('answers a body that is not a feature vector with ModelError carrying the container status', async () => {
    const call = client.send(new InvokeEndpointCommand({ EndpointName: MODEL_ENDPOINT_NAME, ContentType: 'application/json', Body: Buffer.from('{"now":"soon"}') }));
    await expect(call).rejects.toBeInstanceOf(ModelError);
    await expect(call).rejects.toMatchObject({ OriginalStatusCode: 400 });
  });
});
