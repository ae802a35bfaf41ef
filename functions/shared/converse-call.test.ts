import type { BedrockRuntimeClient, ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { ConverseFailure, classifyConverseError, converseWithRetry } from './converse-call';

/** A client whose `send` answers from a script: an error to throw or an output to return, per attempt. */
function scripted(script: (Error | ConverseCommandOutput)[]) {
  const calls: { at: number; signal: AbortSignal | undefined }[] = [];
  const client = {
    send: async (_cmd: unknown, opts?: { abortSignal?: AbortSignal }) => {
      calls.push({ at: calls.length, signal: opts?.abortSignal });
      const next = script[Math.min(calls.length - 1, script.length - 1)];
      if (next instanceof Error) throw next;
      return next;
    },
  } as unknown as BedrockRuntimeClient;
  return { client, calls };
}

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} happened`), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

const OK: ConverseCommandOutput = {
  $metadata: { httpStatusCode: 200 },
  output: { message: { role: 'assistant', content: [{ text: 'hi' }] } },
  stopReason: 'end_turn',
  usage: { inputTokens: 10, outputTokens: 2, totalTokens: 12 },
  metrics: { latencyMs: 5 },
};

/** A fake clock the backoff advances, so the tests take no real time. */
function fakeTime(start = 1_000_000) {
  let t = start;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

describe('Converse retry policy', () => {
  it('classifies throttling, a busy or timed-out model and network errors as retryable; access, validation and others as final', () => {
    expect(classifyConverseError(awsError('ThrottlingException', 429))).toEqual({ reason: 'throttled', retryable: true });
    expect(classifyConverseError(awsError('ServiceUnavailableException', 503))).toEqual({ reason: 'unavailable', retryable: true });
    expect(classifyConverseError(awsError('ModelTimeoutException', 408))).toEqual({ reason: 'model_timeout', retryable: true });
    expect(classifyConverseError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toEqual({ reason: 'network', retryable: true });
    expect(classifyConverseError(Object.assign(new Error('timed out'), { name: 'TimeoutError' }))).toEqual({ reason: 'network', retryable: true });
    expect(classifyConverseError(awsError('AccessDeniedException', 403))).toEqual({ reason: 'access_denied', retryable: false });
    expect(classifyConverseError(awsError('ValidationException', 400))).toEqual({ reason: 'validation', retryable: false });
    expect(classifyConverseError(awsError('ResourceNotFoundException', 404))).toEqual({ reason: 'not_found', retryable: false });
    expect(classifyConverseError(awsError('InternalServerException', 500))).toEqual({ reason: 'service_error', retryable: false });
    expect(classifyConverseError(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toEqual({ reason: 'deadline', retryable: false });
  });

  it('retries a throttled call with jittered, growing backoff and returns the answer', async () => {
    const { client, calls } = scripted([awsError('ThrottlingException', 429), awsError('ThrottlingException', 429), OK]);
    const time = fakeTime();
    const r = await converseWithRetry(client, { modelId: 'm', messages: [] }, { deadline: time.now() + 10_000, now: time.now, sleep: time.sleep, random: () => 0.5 });
    expect(r.attempts).toBe(3);
    expect(calls).toHaveLength(3);
    expect(time.slept).toEqual([100, 200]);
    expect(r.output.usage?.inputTokens).toBe(10);
    expect(calls.every((c) => c.signal instanceof AbortSignal)).toBe(true);
  });

  it('gives up after 3 attempts in all with the last reason', async () => {
    const { client, calls } = scripted([awsError('ServiceUnavailableException', 503)]);
    const time = fakeTime();
    const err = await converseWithRetry(client, { modelId: 'm', messages: [] }, { deadline: time.now() + 10_000, now: time.now, sleep: time.sleep, random: () => 1 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConverseFailure);
    expect(err).toMatchObject({ reason: 'unavailable', attempts: 3 });
    expect(calls).toHaveLength(3);
  });

  it.each(['AccessDeniedException', 'ValidationException'])('does not retry %s', async (name) => {
    const { client, calls } = scripted([awsError(name, name === 'AccessDeniedException' ? 403 : 400), OK]);
    const time = fakeTime();
    const err = await converseWithRetry(client, { modelId: 'm', messages: [] }, { deadline: time.now() + 10_000, now: time.now, sleep: time.sleep }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConverseFailure);
    expect(calls).toHaveLength(1);
    expect(time.slept).toEqual([]);
  });

  it('does not back off past the deadline: it gives up instead', async () => {
    const { client, calls } = scripted([awsError('ThrottlingException', 429), OK]);
    const time = fakeTime();
    const err = await converseWithRetry(client, { modelId: 'm', messages: [] }, { deadline: time.now() + 50, now: time.now, sleep: time.sleep, random: () => 0.9 }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ reason: 'throttled', attempts: 1 });
    expect((err as Error).message).toMatch(/deadline/);
    expect(calls).toHaveLength(1);
  });

  it('aborts a call that outlives the deadline (the signal fires)', async () => {
    const client = {
      send: (_c: unknown, opts?: { abortSignal?: AbortSignal }) =>
        new Promise((_resolve, reject) => {
          opts?.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })));
        }),
    } as unknown as BedrockRuntimeClient;
    const started = Date.now();
    const err = await converseWithRetry(client, { modelId: 'm', messages: [] }, { deadline: Date.now() + 150 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'deadline', attempts: 1 });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
