import { BedrockRuntimeClient, type BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** The endpoint the client will use: explicit, else the standard environment (service-specific first). */
function endpointOf(config: BedrockRuntimeClientConfig, env: NodeJS.ProcessEnv): string | undefined {
  if (typeof config.endpoint === 'string') return config.endpoint;
  return env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME ?? env.AWS_ENDPOINT_URL;
}

/**
 * The one factory for `BedrockRuntimeClient`. The client's default request handler
 * speaks HTTP/2 (for the streaming operations), which an `http://` endpoint such as
 * the local gateway does not; for one it gets an HTTP/1.1 `NodeHttpHandler`. An
 * `https://` endpoint (AWS) keeps the SDK's default. Endpoint and credentials come
 * from the config or the standard environment (AWS_ENDPOINT_URL in local mode).
 *
 * @example const bedrock = createBedrockRuntimeClient({ region: 'us-east-1' });
 */
export function createBedrockRuntimeClient(config: BedrockRuntimeClientConfig = {}, env: NodeJS.ProcessEnv = process.env): BedrockRuntimeClient {
  const endpoint = endpointOf(config, env);
  const plainHttp = endpoint?.startsWith('http://') === true && config.requestHandler === undefined;
  return new BedrockRuntimeClient({ ...(plainHttp ? { requestHandler: new NodeHttpHandler() } : {}), ...config });
}
