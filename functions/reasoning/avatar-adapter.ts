import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { PulsepetError } from '../../protocol/errors';
import type { AvatarPort } from './ports';

/**
 * The avatar function through the real `@aws-sdk/client-lambda`: `Invoke` with
 * `InvocationType: Event`, so the reasoning function never waits for an image; Lambda
 * queues the request (202) and retries it on failure.
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 */
export function lambdaAvatars(client: LambdaClient, functionName: string): AvatarPort {
  return {
    async request(req) {
      let status: number | undefined;
      try {
        status = (await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify(req)) }))).StatusCode;
      } catch (e) {
        throw new PulsepetError('PP_ERR_TRANSPORT', `Invoke ${functionName} failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e, retryable: true });
      }
      if (status !== 202) throw new PulsepetError('PP_ERR_TRANSPORT', `Invoke ${functionName} answered ${status}, not 202`, { retryable: true });
    },
  };
}
