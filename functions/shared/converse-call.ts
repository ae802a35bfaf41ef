/**
 * One Bedrock runtime call with pulsepet's retry policy: `Converse` for the coach and the
 * daily explanation, `InvokeModel` for the avatar's image (through {@link bedrockCallWithRetry}).
 * Throttling, a busy or timed-out model and network errors are retried with full-jitter
 * exponential backoff, at most `maxAttempts` in all and never past the deadline (set
 * below the function's timeout); AccessDenied, Validation and every other service answer
 * are final. The client should be built with `maxAttempts: 1` so the SDK does not retry
 * underneath this policy.
 */
import { type BedrockRuntimeClient, ConverseCommand, type ConverseCommandInput, type ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';

/** Why a Bedrock call gave no usable answer: a metric dimension and a log field. */
export type ConverseFailureReason =
  | 'throttled'
  | 'unavailable'
  | 'model_timeout'
  | 'network'
  | 'deadline'
  | 'access_denied'
  | 'validation'
  | 'not_found'
  | 'service_error'
  /** the answer arrived but was not usable (out of schema, wrong stop reason, empty) */
  | 'malformed';

/** A Bedrock runtime call (Converse or InvokeModel) that gave no usable answer. */
export class ConverseFailure extends Error {
  constructor(
    readonly reason: ConverseFailureReason,
    message: string,
    readonly attempts: number,
    /** tokens the failed answer still cost (a malformed answer is billed) */
    readonly usage?: { inputTokens: number; outputTokens: number },
  ) {
    super(message);
    this.name = 'ConverseFailure';
  }
}

const RETRYABLE: Record<string, ConverseFailureReason> = {
  ThrottlingException: 'throttled',
  ServiceUnavailableException: 'unavailable',
  ModelTimeoutException: 'model_timeout',
};
const FINAL: Record<string, ConverseFailureReason> = {
  AccessDeniedException: 'access_denied',
  ValidationException: 'validation',
  ResourceNotFoundException: 'not_found',
};
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);

/** How an error from `client.send` is treated: its reason and whether another attempt may help. */
export function classifyConverseError(e: unknown): { reason: ConverseFailureReason; retryable: boolean } {
  const err = e as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const name = err?.name ?? '';
  if (name in RETRYABLE) return { reason: RETRYABLE[name] as ConverseFailureReason, retryable: true };
  if (name in FINAL) return { reason: FINAL[name] as ConverseFailureReason, retryable: false };
  if (name === 'AbortError') return { reason: 'deadline', retryable: false };
  // No HTTP answer at all: the connection failed or timed out (the SDK's TimeoutError, a socket error).
  if (err?.$metadata?.httpStatusCode === undefined && (name === 'TimeoutError' || NETWORK_CODES.has(err?.code ?? '') || NETWORK_CODES.has(name))) {
    return { reason: 'network', retryable: true };
  }
  return { reason: 'service_error', retryable: false };
}

export interface ConverseRetryOptions {
  /** attempts in all, first included (default 3) */
  maxAttempts?: number;
  /** the whole call, retries and backoff included, ends by then (epoch ms) */
  deadline: number;
  /** the first backoff's ceiling; doubled per attempt (default 200 ms) */
  baseDelayMs?: number;
  maxDelayMs?: number;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface BedrockCallResult<T> {
  output: T;
  attempts: number;
  /** wall time of the whole call, retries included */
  elapsedMs: number;
}
export type ConverseResult = BedrockCallResult<ConverseCommandOutput>;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sends `input`, retrying what may pass later; throws {@link ConverseFailure} when it gives up. */
export function converseWithRetry(client: BedrockRuntimeClient, input: ConverseCommandInput, opts: ConverseRetryOptions): Promise<ConverseResult> {
  return bedrockCallWithRetry('Converse', (abortSignal) => client.send(new ConverseCommand(input), { abortSignal }), opts);
}

/**
 * Runs `call` (one Bedrock request, aborted by the signal at the deadline) with the retry
 * policy above; throws {@link ConverseFailure} when it gives up.
 * @example await bedrockCallWithRetry('InvokeModel', (abortSignal) => client.send(new InvokeModelCommand(input), { abortSignal }), { deadline });
 */
export async function bedrockCallWithRetry<T>(operation: string, call: (abortSignal: AbortSignal) => Promise<T>, opts: ConverseRetryOptions): Promise<BedrockCallResult<T>> {
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const sleep = opts.sleep ?? defaultSleep;
  const maxAttempts = opts.maxAttempts ?? 3;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    const left = opts.deadline - now();
    if (left <= 0) throw new ConverseFailure('deadline', `no ${operation} answer before the deadline (${attempt - 1} attempts)`, attempt - 1);
    try {
      const output = await call(AbortSignal.timeout(left));
      return { output, attempts: attempt, elapsedMs: now() - started };
    } catch (e) {
      const { reason, retryable } = classifyConverseError(e);
      const message = `${operation} ${reason} on attempt ${attempt}: ${(e as Error)?.message ?? String(e)}`;
      if (!retryable || attempt >= maxAttempts) throw new ConverseFailure(reason, message, attempt);
      const ceiling = Math.min(opts.maxDelayMs ?? 2_000, (opts.baseDelayMs ?? 200) * 2 ** (attempt - 1));
      const delay = Math.floor(random() * ceiling);
      if (now() + delay >= opts.deadline) throw new ConverseFailure(reason, `${message} (no time left to retry before the deadline)`, attempt);
      await sleep(delay);
    }
  }
}

/** Input and output tokens of an answer (0 when `usage` is absent). */
export function usageOf(output: ConverseCommandOutput | undefined): { inputTokens: number; outputTokens: number } {
  return { inputTokens: output?.usage?.inputTokens ?? 0, outputTokens: output?.usage?.outputTokens ?? 0 };
}
