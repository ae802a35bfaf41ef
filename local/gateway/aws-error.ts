import type { GatewayResponse } from '../ports';

/**
 * An AWS-shaped error response: the `x-amzn-errortype` header names the exception
 * and the JSON body carries `message` (restJson1 and awsJson error shape), so the
 * SDKs raise their typed exception classes.
 * https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html#operation-error-serialization
 */
export function awsError(
  status: number,
  type: string,
  message: string,
  extra: Record<string, unknown> = {},
): GatewayResponse {
  return {
    status,
    headers: { 'x-amzn-errortype': type, 'content-type': 'application/json' },
    body: { ...extra, message, __type: type },
  };
}
