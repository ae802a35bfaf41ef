/**
 * Handlers the local Lambda runtime's tests load into execution environments. Each is a
 * Lambda-style `(event, context)` export.
 */

interface Ctx {
  functionName: string;
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

let invocations = 0;

/** Echoes the event with what the environment shows the function. */
export async function echo(event: unknown, context: Ctx): Promise<unknown> {
  invocations++;
  return {
    event,
    functionName: context.functionName,
    requestId: context.awsRequestId,
    remainingMs: context.getRemainingTimeInMillis(),
    envName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    greeting: process.env.GREETING,
    leaked: process.env.PULSEPET_TEST_PARENT_ONLY ?? null,
    invocations,
  };
}

/** Fails as a function error with a code, like PulsepetError. */
export async function fail(event: { message: string }): Promise<never> {
  throw Object.assign(new Error(event.message), { code: 'PP_ERR_VALIDATION' });
}

/** Takes `ms` milliseconds. */
export async function slow(event: { ms: number }): Promise<string> {
  await new Promise((r) => setTimeout(r, event.ms));
  return 'done';
}

/** Kills its execution environment from inside (an uncaught exception). */
export async function crash(): Promise<never> {
  setImmediate(() => {
    throw new Error('boom from inside the environment');
  });
  return new Promise<never>(() => {});
}

/** Allocates until the environment's memory limit is hit. */
export async function hog(): Promise<never> {
  const keep: number[][] = [];
  for (;;) keep.push(new Array(1_000_000).fill(keep.length));
}

export const notAFunction = 42;
