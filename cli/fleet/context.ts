import type { IoTClient } from '@aws-sdk/client-iot';
import { PulsepetError } from '../../protocol/errors';

/** What every fleet command needs; built once in cli/fleet.ts from flags + env. */
export interface FleetContext {
  iot: IoTClient;
  region: string;
  /** human or JSON results */
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  /** problems, one line each */
  stderr: NodeJS.WritableStream;
  /** PEM path from PULSEPET_ROOT_CA, the default for --root-ca */
  rootCaFromEnv?: string;
  /** the endpoint the SDK talks to, for error messages */
  endpointUrl?: string;
  /** sleeps (rotate's grace period); injectable so tests need not wait */
  sleep: (ms: number) => Promise<void>;
}

/** An AWS call that failed, already translated to one clear line. */
export class FleetError extends PulsepetError {
  constructor(message: string, cause?: unknown) {
    super('PP_ERR_TRANSPORT', message, { cause });
    this.name = 'FleetError';
  }
}

interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Runs one AWS operation; any failure becomes a FleetError whose message names the
 * operation, the AWS exception and its message (or the network/credential problem).
 */
export async function call<T>(ctx: FleetContext, operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new FleetError(`${operation} failed: ${describeAwsError(ctx, e)}`, e);
  }
}

/** One line for an SDK, network or credentials error. */
export function describeAwsError(ctx: Pick<FleetContext, 'endpointUrl'>, e: unknown): string {
  const err = (e ?? {}) as SdkErrorLike;
  const name = err.name ?? 'Error';
  const msg = (err.message ?? String(e)).split('\n')[0];
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(msg ?? '')) {
    return 'no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile)';
  }
  const code = err.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET' || code === 'ETIMEDOUT') {
    return `cannot reach the IoT endpoint${ctx.endpointUrl ? ` ${ctx.endpointUrl}` : ''} (${code})`;
  }
  const status = err.$metadata?.httpStatusCode;
  return `${name}${status ? ` (HTTP ${status})` : ''}: ${msg}`;
}
