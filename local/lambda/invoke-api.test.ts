import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InvalidRequestContentException,
  InvokeCommand,
  LambdaClient,
  RequestTooLargeException,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../test/support/local/stack';
import { type LocalStack, startLocalStack } from '../stack';
import type { LambdaContext } from './types';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const dec = (b: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(b ?? new Uint8Array())) as unknown;

describe('Lambda Invoke on the local gateway through the real @aws-sdk/client-lambda', () => {
  let dir: string;
  let stack: LocalStack;
  let lambda: LambdaClient;
  const seen: Array<{ event: unknown; context: LambdaContext }> = [];
  const waiters: Array<() => void> = [];
  const echo = async (event: unknown, context: LambdaContext) => {
    seen.push({ event, context });
    for (const w of waiters.splice(0)) w();
    return { echoed: event, requestId: context.awsRequestId };
  };
  const failing = async () => {
    throw Object.assign(new Error('the avatar could not be drawn'), { name: 'DrawingError' });
  };
  const nextEvent = () => new Promise<void>((r) => waiters.push(r));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pp-lambda-invoke-'));
    stack = await startLocalStack({
      dataDir: dir,
      tuneGc: false,
      lambdaRetryDelaysMs: [10, 10],
      handlers: new Map([
        ['echo', echo],
        ['failing', failing],
      ]),
    });
    lambda = new LambdaClient(awsClientConfig(stack));
  });
  afterAll(async () => {
    lambda?.destroy();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('queues an Event invocation (202, empty payload) and runs it with the payload', async () => {
    const ran = nextEvent();
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: enc({ kind: 'avatar', thing: 'pet-1' }) }));
    expect(out.StatusCode).toBe(202);
    expect(out.Payload?.length ?? 0).toBe(0);
    await ran;
    expect(seen.at(-1)?.event).toEqual({ kind: 'avatar', thing: 'pet-1' });
    expect(seen.at(-1)?.context).toMatchObject({ functionName: 'echo', invokedFunctionArn: `arn:aws:lambda:${stack.region}:000000000000:function:echo`, attempt: 1 });
  });

  it('runs a RequestResponse invocation and answers its result; a function error is 200 with FunctionError', async () => {
    const ok = await lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: enc({ n: 1 }) }));
    expect(ok).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(ok.FunctionError).toBeUndefined();
    expect(dec(ok.Payload)).toMatchObject({ echoed: { n: 1 } });
    const bad = await lambda.send(new InvokeCommand({ FunctionName: 'failing', Payload: enc({}) }));
    expect(bad).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });
    expect(dec(bad.Payload)).toMatchObject({ errorType: 'DrawingError', errorMessage: 'the avatar could not be drawn' });
  });

  it('accepts the function by ARN, partial ARN and $LATEST; DryRun answers 204', async () => {
    const arn = `arn:aws:lambda:${stack.region}:000000000000:function:echo`;
    for (const FunctionName of [arn, '000000000000:function:echo', 'echo:$LATEST', `${arn}:$LATEST`]) {
      expect((await lambda.send(new InvokeCommand({ FunctionName, Payload: enc({}) }))).StatusCode).toBe(200);
    }
    expect((await lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }))).StatusCode).toBe(204);
  });

  it.each([
    ['an unknown function', 'nope', undefined],
    ['another region’s ARN', 'arn:aws:lambda:eu-west-1:000000000000:function:echo', undefined],
    ['another account', '123456789012:function:echo', undefined],
    ['a published version', 'echo', '3'],
  ])('answers ResourceNotFoundException for %s', async (_what, FunctionName, Qualifier) => {
    const err = await lambda.send(new InvokeCommand({ FunctionName, InvocationType: 'Event', Payload: enc({}), ...(Qualifier ? { Qualifier } : {}) })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect((err as Error).message).toMatch(/^Function not found: arn:aws:lambda:/);
    expect((err as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
  });

  it('refuses a payload that is not JSON, and an Event payload over 1 MB, queuing nothing', async () => {
    const before = seen.length;
    const notJson = lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: new TextEncoder().encode('{not json') }));
    await expect(notJson).rejects.toBeInstanceOf(InvalidRequestContentException);
    const big = lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: enc({ blob: 'x'.repeat(1024 * 1024) }) }));
    await expect(big).rejects.toBeInstanceOf(RequestTooLargeException);
    await stack.lambda.idle();
    expect(seen.length).toBe(before);
  });

  it('retries a failing Event invocation as Lambda does, then dead-letters it', async () => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'failing', InvocationType: 'Event', Payload: enc({ thing: 'pet-9' }) }));
    expect(out.StatusCode).toBe(202);
    await stack.lambda.idle();
    const letter = stack.rules.listDeadLetters().find((d) => d.failedResource.endsWith('failing'));
    expect(letter).toMatchObject({ ruleName: 'lambda:Invoke', attempts: 3 });
    expect(letter?.errorMessage).toMatch(/could not be drawn/);
  });
});
