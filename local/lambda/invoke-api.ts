/**
 * Lambda's `Invoke` API (signing name `lambda`) on the local gateway, answering the real
 * `@aws-sdk/client-lambda` over restJson1:
 *   POST /2015-03-31/functions/{FunctionName}/invocations?Qualifier=
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 *
 * - `X-Amz-Invocation-Type: Event` queues the payload in the durable asynchronous queue
 *   (the same one rule actions use: retries, maximum event age, failure destination) and
 *   answers 202 once it is on disk; payloads over 1 MB are 413.
 * - `RequestResponse` (the default) runs the function now and answers 200 with its result;
 *   a function error is still 200, with `X-Amz-Function-Error: Unhandled` and
 *   `{errorType, errorMessage}` as the payload; payloads over 6 MB are 413.
 * - `DryRun` answers 204 for a function that exists.
 * - FunctionName may be a name, a partial ARN (`123456789012:function:name`) or an ARN,
 *   with an optional `:$LATEST` qualifier; anything unknown is ResourceNotFoundException
 *   (404) naming the function's ARN.
 */
import type { Logger } from '../../common/logger';
import { awsError } from '../gateway/aws-error';
import { RestRouter } from '../gateway/rest-router';
import type { GatewayRequest, GatewayResponse, GatewayService } from '../ports';
import { LambdaThrottledError } from './async-queue-types';
import { FunctionError } from './runtime';
import type { LambdaService } from './service';

/** Lambda's payload limits: 1 MB for asynchronous, 6 MB for synchronous invocations. */
export const EVENT_PAYLOAD_MAX = 1024 * 1024;
export const SYNC_PAYLOAD_MAX = 6 * 1024 * 1024;

/** What an `Invoke` Event is queued as: dead-lettered on failure, not reported as a rule's errorAction. */
export const INVOKE_API_SOURCE = 'lambda:Invoke';

const FUNCTION_NAME = /^(?:arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):)?(?:(\d{12}):)?(?:function:)?([a-zA-Z0-9_-]{1,64})(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;

export interface LambdaInvokeServiceOptions {
  lambda: LambdaService;
  region: string;
  accountId: string;
  logger: Logger;
}

/** The function's name from FunctionName, or an error response naming what was asked for. */
function resolveName(raw: string, qualifier: string | null, o: LambdaInvokeServiceOptions): { name: string; arn: string } | GatewayResponse {
  const m = FUNCTION_NAME.exec(raw);
  const arnOf = (name: string) => `arn:aws:lambda:${o.region}:${o.accountId}:function:${name}`;
  if (m === null || raw.length > 256) {
    return awsError(400, 'ValidationException', `1 validation error detected: Value '${raw.slice(0, 256)}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern`);
  }
  const [, region, account, name = '', inlineQualifier] = m;
  const version = qualifier ?? inlineQualifier;
  const notFound = () => awsError(404, 'ResourceNotFoundException', `Function not found: ${arnOf(name)}${version ? `:${version}` : ''}`, { Type: 'User' });
  if ((region !== undefined && region !== o.region) || (account !== undefined && account !== o.accountId)) return notFound();
  if ((version !== undefined && version !== '$LATEST') || !o.lambda.has(name)) return notFound();
  return { name, arn: arnOf(name) };
}

function payloadJson(body: Buffer): string | GatewayResponse {
  if (body.length === 0) return '{}';
  const text = body.toString('utf8');
  try {
    JSON.parse(text);
    return text;
  } catch (e) {
    return awsError(400, 'InvalidRequestContentException', `Could not parse request body into json: ${(e as Error).message}`, { Type: 'User' });
  }
}

function tooLarge(limit: number, type: string): GatewayResponse {
  return awsError(413, 'RequestTooLargeException', `Request must be smaller than ${limit} bytes for the Invoke operation with InvocationType ${type}`, { Type: 'User' });
}

async function invoke(req: GatewayRequest, rawName: string, o: LambdaInvokeServiceOptions, log: Logger): Promise<GatewayResponse> {
  const type = (req.headers['x-amz-invocation-type'] as string | undefined) ?? 'RequestResponse';
  if (type !== 'Event' && type !== 'RequestResponse' && type !== 'DryRun') {
    return awsError(400, 'InvalidParameterValueException', `Unsupported InvocationType: ${type}`, { Type: 'User' });
  }
  const fn = resolveName(rawName, req.query.get('Qualifier'), o);
  if ('status' in fn) return fn;
  if (type === 'DryRun') return { status: 204, headers: {} };
  if (req.body.length > (type === 'Event' ? EVENT_PAYLOAD_MAX : SYNC_PAYLOAD_MAX)) return tooLarge(type === 'Event' ? EVENT_PAYLOAD_MAX : SYNC_PAYLOAD_MAX, type);
  const eventJson = payloadJson(req.body);
  if (typeof eventJson !== 'string') return eventJson;
  if (type === 'Event') {
    const origin = { ruleName: INVOKE_API_SOURCE, topic: '', action: { lambda: { functionArn: fn.arn } }, errorAction: true };
    try {
      await o.lambda.invokeAsync({ functionName: fn.name, functionArn: fn.arn, eventJson, source: INVOKE_API_SOURCE, origin });
    } catch (e) {
      if (!(e instanceof LambdaThrottledError)) throw e;
      return awsError(429, 'TooManyRequestsException', e.message, { Type: 'User', Reason: 'CallerRateLimitExceeded' });
    }
    return { status: 202, headers: {} };
  }
  const headers = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };
  try {
    const result = await o.lambda.invoke(fn.name, JSON.parse(eventJson) as unknown, { functionArn: fn.arn, source: INVOKE_API_SOURCE });
    return { status: 200, headers, body: Buffer.from(JSON.stringify(result ?? null)) };
  } catch (e) {
    const errorType = e instanceof FunctionError ? e.errorType : e instanceof Error ? e.name : 'Error';
    const errorMessage = e instanceof Error ? e.message : String(e);
    log.info({ function: fn.name, errorType }, 'synchronous invocation failed');
    return { status: 200, headers: { ...headers, 'x-amz-function-error': 'Unhandled' }, body: Buffer.from(JSON.stringify({ errorType, errorMessage, trace: [] })) };
  }
}

/**
 * The `lambda` gateway service over the local Lambda service.
 * @example gateway.addService(createLambdaInvokeService({ lambda, region, accountId: LOCAL_ACCOUNT_ID, logger }));
 */
export function createLambdaInvokeService(o: LambdaInvokeServiceOptions): GatewayService {
  const log = o.logger.child({ component: 'lambda-api' });
  const router = new RestRouter([
    { method: 'POST', path: '/2015-03-31/functions/{FunctionName}/invocations', operation: 'Invoke', handle: (p, req) => invoke(req, p.FunctionName ?? '', o, log) },
  ]);
  return {
    signingNames: ['lambda'],
    async handle(req) {
      const m = router.match(req.method, req.path);
      if (m === undefined) return awsError(404, 'UnknownOperationException', `No operation at ${req.method} ${req.path}`);
      if ('methodNotAllowed' in m) return awsError(405, 'MethodNotAllowedException', `${req.method} is not allowed on ${req.path}`);
      return m.route.handle(m.params, req);
    },
  };
}
