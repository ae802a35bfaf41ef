import type { Logger } from '../../common/logger';
import { LOCAL_ACCOUNT_ID } from '../aws-identity';
import { awsError } from '../gateway/aws-error';
import type { GatewayRequest, GatewayResponse, GatewayService } from '../ports';

/**
 * What serves one endpoint: an inference container's handler. It gets the request body
 * and content type and answers the response body and content type; a thrown error is the
 * container failing (SageMaker answers ModelError, 424).
 */
export type ModelHandler = (body: Buffer, contentType: string) => Promise<{ body: Buffer; contentType: string }>;

/** An error a model handler throws to answer a given status (a container's 4xx/5xx). */
export class ModelContainerError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const INVOCATIONS = /^\/endpoints\/([^/]+)\/invocations$/;
/** https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html (EndpointName pattern) */
const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;

/**
 * The local SageMaker runtime (signing name `sagemaker`): `InvokeEndpoint` for the
 * endpoints it is given, each served in-process by its model handler as an inference
 * container would serve it. An unknown endpoint is a `ValidationError` (400), as
 * SageMaker answers; a failing container is a `ModelError` (424) carrying the
 * container's status and message.
 *
 * @example
 * gateway.addService(createSageMakerRuntimeService({ endpoints: new Map([['pulsepet-models', handler]]), region, logger }));
 */
export function createSageMakerRuntimeService(opts: { endpoints: ReadonlyMap<string, ModelHandler>; region: string; logger: Logger }): GatewayService {
  const log = opts.logger.child({ component: 'sagemaker' });
  return {
    signingNames: ['sagemaker'],
    async handle(req: GatewayRequest): Promise<GatewayResponse> {
      const m = INVOCATIONS.exec(req.path);
      if (!m || req.method !== 'POST') return awsError(404, 'UnknownOperationException', `No operation at ${req.method} ${req.path}`);
      const name = decodeURIComponent(m[1] ?? '');
      if (!ENDPOINT_NAME.test(name) || name.length > 63) return awsError(400, 'ValidationError', `Invalid endpoint name ${JSON.stringify(name)}`);
      const handler = opts.endpoints.get(name);
      if (handler === undefined) {
        return awsError(400, 'ValidationError', `Endpoint ${name} of account ${LOCAL_ACCOUNT_ID} not found.`);
      }
      const contentType = String(req.headers['content-type'] ?? 'application/octet-stream');
      try {
        const out = await handler(req.body, contentType);
        return { status: 200, headers: { 'content-type': out.contentType, 'x-amzn-invoked-production-variant': 'AllTraffic' }, body: out.body };
      } catch (e) {
        // a container's own status (any error with a numeric `status`, e.g. ModelContainerError), else 500
        const own = (e as { status?: unknown }).status;
        const status = typeof own === 'number' && own >= 400 && own < 600 ? own : 500;
        const message = e instanceof Error ? e.message : String(e);
        log.warn({ endpoint: name, status, error: message }, 'model container failed');
        const arn = `arn:aws:logs:${opts.region}:${LOCAL_ACCOUNT_ID}:log-group:/aws/sagemaker/Endpoints/${name}`;
        return awsError(424, 'ModelError', `Received client error (${status}) from primary with message "${message}". See ${arn} in account ${LOCAL_ACCOUNT_ID} for more information.`, {
          OriginalStatusCode: status,
          OriginalMessage: message,
          LogStreamArn: arn,
        });
      }
    },
  };
}
