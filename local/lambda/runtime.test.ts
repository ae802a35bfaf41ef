import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import type { LambdaContext } from './types';
import { FunctionError, LocalFunction, type LocalFunctionOptions } from './runtime';

const FIXTURES = new URL('../../test/support/local/lambda/fixture-functions.ts', import.meta.url);

function ctx(requestId = 'req-1'): LambdaContext {
  return { functionName: 'fixture', invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fixture', awsRequestId: requestId, attempt: 1, ruleName: 'r' };
}

async function withFunction(opts: Partial<LocalFunctionOptions>, body: (fn: LocalFunction) => Promise<void>): Promise<void> {
  const fn = new LocalFunction({ name: 'fixture', module: FIXTURES, handler: 'echo', environment: { GREETING: 'hello' }, logger: silentLogger(), ...opts });
  try {
    await body(fn);
  } finally {
    await fn.close(0);
  }
}

async function failure(p: Promise<unknown>): Promise<FunctionError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FunctionError);
  return e as FunctionError;
}

describe('Class: LocalFunction', () => {
  describe('Method: invoke', () => {
    it('runs the handler in an environment that sees only the configured variables, with the event and context as JSON', async () => {
      process.env.PULSEPET_TEST_PARENT_ONLY = 'secret-of-the-stack';
      try {
        await withFunction({}, async (fn) => {
          const out = (await fn.invoke({ a: [1, 'x', null], skipped: undefined }, ctx('req-42'))) as Record<string, unknown>;
          expect(out).toMatchObject({
            event: { a: [1, 'x', null] },
            functionName: 'fixture',
            requestId: 'req-42',
            envName: 'fixture',
            greeting: 'hello',
            leaked: null,
          });
          expect(out.remainingMs).toBeGreaterThan(50_000);
          expect(out.remainingMs).toBeLessThanOrEqual(60_000);
        });
      } finally {
        delete process.env.PULSEPET_TEST_PARENT_ONLY;
      }
    });

    it('initializes once and reuses the environment for later invocations (warm starts)', async () => {
      await withFunction({}, async (fn) => {
        const counts = [];
        for (let i = 0; i < 3; i++) counts.push(((await fn.invoke({}, ctx())) as { invocations: number }).invocations);
        expect(counts).toEqual([1, 2, 3]);
        // one environment, a thread of this process
        expect(fn.osThreadIds).toHaveLength(1);
        expect(existsSync(`/proc/self/task/${fn.osThreadIds[0]}`)).toBe(true);
      });
    });

    it('runs many invocations at once in one environment', async () => {
      await withFunction({ handler: 'slow' }, async (fn) => {
        const t0 = Date.now();
        const outs = await Promise.all(Array.from({ length: 20 }, () => fn.invoke({ ms: 200 }, ctx())));
        expect(outs).toEqual(Array(20).fill('done'));
        expect(Date.now() - t0).toBeLessThan(20 * 200);
      });
    });

    it('reports a thrown error with its code as the error type and its message', async () => {
      await withFunction({ handler: 'fail' }, async (fn) => {
        const e = await failure(fn.invoke({ message: 'bad batch: samples.0.hr' }, ctx()));
        expect(e.errorType).toBe('PP_ERR_VALIDATION');
        expect(e.message).toBe('bad batch: samples.0.hr');
      });
    });

    it('fails an invocation that outlives the timeout with Lambda\'s message, and keeps serving others', async () => {
      await withFunction({ handler: 'slow', timeoutMs: 300 }, async (fn) => {
        const e = await failure(fn.invoke({ ms: 5_000 }, ctx()));
        expect(e.errorType).toBe('Sandbox.Timedout');
        expect(e.message).toBe('Task timed out after 0.30 seconds');
        await expect(fn.invoke({ ms: 1 }, ctx())).resolves.toBe('done');
      });
    });

    it('does not count the init phase (a slow cold start) against the function timeout', async () => {
      await withFunction({ module: new URL('../../test/support/local/lambda/slow-init-function.ts', import.meta.url), handler: 'handler', timeoutMs: 300 }, async (fn) => {
        await expect(fn.invoke({ n: 1 }, ctx())).resolves.toEqual({ n: 1 });
      });
    });

    it('rejects an event that is not JSON before it reaches the function', async () => {
      await withFunction({}, async (fn) => {
        const event: Record<string, unknown> = {};
        event.self = event;
        const e = await failure(fn.invoke(event, ctx()));
        expect(e.errorType).toBe('InvalidRequestContentException');
      });
    });

    it('reports a module without the named handler as Runtime.HandlerNotFound, every time', async () => {
      await withFunction({ handler: 'notAFunction' }, async (fn) => {
        for (let i = 0; i < 2; i++) {
          const e = await failure(fn.invoke({}, ctx()));
          expect(e.errorType).toBe('Runtime.HandlerNotFound');
          expect(e.message).toContain("named 'notAFunction'");
        }
      });
    });

    it('reports a module that cannot load as Runtime.ImportModuleError', async () => {
      await withFunction({ module: new URL('../../test/support/local/lambda/no-such-module.ts', import.meta.url) }, async (fn) => {
        const e = await failure(fn.invoke({}, ctx()));
        expect(e.errorType).toBe('Runtime.ImportModuleError');
      });
    });

    it('fails the in-flight invocations of an environment that crashes, and starts a fresh one for the next', async () => {
      const crashing = new LocalFunction({ name: 'fixture', module: FIXTURES, handler: 'crash', environment: {}, logger: silentLogger() });
      try {
        const e = await failure(crashing.invoke({}, ctx()));
        expect(e.errorType).toBe('Runtime.ExitError');
        expect(e.message).toContain('boom from inside the environment');
        expect(crashing.inFlight).toBe(0);
      } finally {
        await crashing.close(0);
      }
      await withFunction({}, async (fn) => {
        // a fresh environment after a crash: same function object, new worker
        await fn.invoke({}, ctx());
        const worker = (fn as unknown as { envs: Array<{ worker: { terminate(): Promise<number> } }> }).envs[0];
        await worker?.worker.terminate();
        const out = (await fn.invoke({}, ctx())) as { invocations: number };
        expect(out.invocations).toBe(1);
      });
    });

    it('ends an environment that exceeds its memory setting as Runtime.OutOfMemory', async () => {
      await withFunction({ handler: 'hog', memoryMb: 64 }, async (fn) => {
        const e = await failure(fn.invoke({}, ctx()));
        expect(e.errorType).toBe('Runtime.OutOfMemory');
      });
    });
  });

  describe('Method: close', () => {
    it('lets running invocations finish within the grace period, then refuses new ones', async () => {
      const fn = new LocalFunction({ name: 'fixture', module: FIXTURES, handler: 'slow', environment: {}, logger: silentLogger() });
      const running = fn.invoke({ ms: 300 }, ctx());
      // wait until the environment is up and the invocation is running
      await fn.invoke({ ms: 1 }, ctx());
      await fn.close(5_000);
      await expect(running).resolves.toBe('done');
      const e = await failure(fn.invoke({ ms: 1 }, ctx()));
      expect(e.errorType).toBe('Runtime.Closed');
    });
  });
});
