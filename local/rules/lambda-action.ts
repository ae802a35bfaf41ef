/**
 * The lambda rule action, whole: the rule hands the SQL output to Lambda's
 * asynchronous invoke and is done (the action succeeds once the event is queued);
 * Lambda retries, and an invocation that fails for good comes back through the
 * failure destination the rules runtime configures, which dead-letters it and reports
 * it through the rule's errorAction.
 * https://docs.aws.amazon.com/iot/latest/developerguide/lambda-rule-action.html
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 */
import { z } from 'zod';
import type { RuleOutput } from '../../cloud-rules/sql/index';
import type { AsyncFailure, AsyncInvocation, LambdaService } from '../lambda/index';
import type { DeadLetter } from './dead-letters';

const LAMBDA_ARN_RE = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]{1,140})(?::[A-Za-z0-9$_-]+)?$/;

/** The function name in a Lambda ARN (qualifier dropped), or a bare function name. */
export function functionNameOf(arnOrName: string): string | undefined {
  const m = LAMBDA_ARN_RE.exec(arnOrName);
  if (m) return m[1];
  return /^[A-Za-z0-9_-]{1,140}$/.test(arnOrName) ? arnOrName : undefined;
}

/** What the rules runtime keeps with each queued event, to dead-letter and report a final failure. */
export const RuleOriginSchema = z.object({
  ruleName: z.string(),
  topic: z.string(),
  clientId: z.string().optional(),
  principal: z.string().optional(),
  action: z.record(z.string(), z.unknown()),
  /** true for a rule's errorAction: its failure is dead-lettered but not reported again */
  errorAction: z.boolean(),
});
export type RuleOrigin = z.infer<typeof RuleOriginSchema>;

/** A lambda action that cannot be queued: the rule action fails with this (and its resource). */
export class LambdaActionError extends Error {
  constructor(
    message: string,
    readonly failedResource: string,
  ) {
    super(message);
  }
}

/**
 * Queues the invocation with the original payload kept beside the event; resolves once
 * Lambda holds the event durably (the action counts as handed over then). Rejects with
 * {@link LambdaActionError} when the ARN is invalid, the function does not exist (Lambda
 * refuses the async invoke at once), the output is not JSON, or Lambda throttles
 * (its queue is full).
 */
export async function invokeLambdaAction(lambda: LambdaService, arn: string, out: RuleOutput, origin: RuleOrigin, originalPayload: Buffer): Promise<AsyncInvocation> {
  const name = functionNameOf(arn);
  if (name === undefined) throw new LambdaActionError(`invalid Lambda function ARN ${JSON.stringify(arn)}`, arn);
  if (!lambda.has(name)) throw new LambdaActionError(`Function not found: ${arn}`, arn);
  if (out.kind === 'binary') throw new LambdaActionError("the lambda action needs a JSON payload; use encode(*, 'base64') for binary payloads", arn);
  const eventJson = JSON.stringify(out.value) ?? 'null';
  try {
    return await lambda.invokeAsync({ functionName: name, functionArn: arn, eventJson, source: origin.ruleName, origin, attachment: originalPayload });
  } catch (e) {
    const type = (e as { errorType?: unknown }).errorType;
    throw new LambdaActionError(`${typeof type === 'string' ? `${type}: ` : ''}${e instanceof Error ? e.message : String(e)}`, arn);
  }
}

/** The dead letter for an invocation that failed for good. */
export function lambdaDeadLetter(f: AsyncFailure, origin: RuleOrigin): Omit<DeadLetter, 'id' | 'createdAt'> {
  const inv = f.invocation;
  return {
    ruleName: origin.ruleName,
    actionType: 'lambda',
    action: origin.action,
    failedResource: inv.functionArn,
    topic: origin.topic,
    ...(origin.clientId === undefined ? {} : { clientId: origin.clientId }),
    base64OriginalPayload: (inv.attachment ?? Buffer.alloc(0)).toString('base64'),
    base64ActionPayload: Buffer.from(inv.eventJson).toString('base64'),
    attempts: inv.attempts,
    errorMessage: f.error,
  };
}

/** The errorAction failure entry for an invocation that failed for good. */
export function lambdaFailureEntry(f: AsyncFailure): { failedAction: string; failedResource: string; errorMessage: string } {
  const inv = f.invocation;
  const why = f.condition === 'EventAgeExceeded' ? 'exceeded its maximum event age' : `failed after ${inv.attempts} attempts`;
  return { failedAction: 'LambdaAction', failedResource: inv.functionArn, errorMessage: `Function ${inv.functionName} ${why}: ${f.error}` };
}

/** Replays a lambda dead letter once, with the stored event. */
export async function replayLambdaLetter(lambda: LambdaService, d: DeadLetter): Promise<void> {
  const name = functionNameOf(d.failedResource) ?? d.failedResource;
  await lambda.invokeOnce({
    requestId: d.id,
    functionName: name,
    functionArn: d.failedResource,
    eventJson: Buffer.from(d.base64ActionPayload, 'base64').toString('utf8'),
    source: d.ruleName,
    enqueuedAt: d.createdAt,
    attempts: d.attempts,
    origin: undefined,
  });
}
