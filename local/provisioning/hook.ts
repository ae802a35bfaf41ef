/**
 * Pre-provisioning hooks: a Lambda function named by the template's
 * `preProvisioningHook.targetArn`, invoked synchronously before RegisterThing applies
 * the template; provisioning goes on only if it answers `allowProvisioning: true`, and
 * its `parameterOverrides` are added to the device's parameters.
 * https://docs.aws.amazon.com/iot/latest/developerguide/pre-provisioning-hook.html
 */
import { z } from 'zod';

/** Only Lambda functions can be hooks (ProvisioningHook.targetArn); group 1 is the function name. */
export const LAMBDA_FUNCTION_ARN_RE = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]{1,64})(?::[A-Za-z0-9$_-]+)?$/;

/** AWS: the hook must return within 5 seconds, otherwise provisioning fails. */
export const HOOK_TIMEOUT_MS = 5000;

/** The hook's input, field for field as AWS sends it. */
export interface PreProvisioningHookEvent {
  claimCertificateId: string;
  certificateId: string;
  certificatePem: string;
  templateArn: string;
  clientId: string;
  parameters: Record<string, string>;
}

/**
 * The seam to the Lambda service: invokes a function by name synchronously and
 * resolves with what it returned (the stack passes `LambdaService.invoke`; tests may
 * pass any function).
 */
export type FunctionInvoker = (functionName: string, event: PreProvisioningHookEvent, caller: { functionArn: string; source: string }) => Promise<unknown>;

export type HookOutcome = { allowed: true; parameterOverrides: Record<string, string> } | { allowed: false; reason: string };

const responseSchema = z.object({
  // the documented value is the boolean; its note also quotes "true"
  allowProvisioning: z.union([z.boolean(), z.string()]).optional(),
  parameterOverrides: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not return within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs the hook `targetArn` names. Any failure (no such function, an error, no answer
 * within `timeoutMs`, an answer without `allowProvisioning: true`) refuses, as AWS
 * fails the request with ACCESS_DENIED.
 */
export async function runPreProvisioningHook(
  invoke: FunctionInvoker | undefined,
  targetArn: string,
  event: PreProvisioningHookEvent,
  timeoutMs = HOOK_TIMEOUT_MS,
): Promise<HookOutcome> {
  const name = LAMBDA_FUNCTION_ARN_RE.exec(targetArn)?.[1];
  if (name === undefined) return { allowed: false, reason: `the pre-provisioning hook ${targetArn} is not a Lambda function ARN` };
  if (!invoke) return { allowed: false, reason: `the pre-provisioning hook ${name} cannot be invoked (no Lambda service)` };
  let answer: unknown;
  try {
    answer = await withTimeout(invoke(name, event, { functionArn: targetArn, source: event.templateArn }), timeoutMs);
  } catch (e) {
    return { allowed: false, reason: `the pre-provisioning hook ${name} failed: ${(e as Error).message}` };
  }
  const parsed = responseSchema.safeParse(answer);
  if (!parsed.success) return { allowed: false, reason: `the pre-provisioning hook ${name} returned an answer that is not {allowProvisioning, parameterOverrides}` };
  const allow = parsed.data.allowProvisioning;
  if (allow !== true && !(typeof allow === 'string' && allow.toLowerCase() === 'true')) {
    return { allowed: false, reason: `the pre-provisioning hook ${name} did not allow provisioning` };
  }
  const overrides = Object.fromEntries(Object.entries(parsed.data.parameterOverrides ?? {}).map(([k, v]) => [k, String(v)]));
  return { allowed: true, parameterOverrides: overrides };
}
