import { NodeHttpHandler } from '@smithy/node-http-handler';
import { describe, expect, it } from 'vitest';
import { createBedrockRuntimeClient } from './bedrock-client';

describe('createBedrockRuntimeClient', () => {
  it('gives an http:// endpoint (explicit or AWS_ENDPOINT_URL) an HTTP/1.1 NodeHttpHandler, and leaves https:// to the SDK default', () => {
    const explicit = createBedrockRuntimeClient({ endpoint: 'http://127.0.0.1:8080', region: 'us-east-1' }, {});
    expect(explicit.config.requestHandler).toBeInstanceOf(NodeHttpHandler);
    const fromEnv = createBedrockRuntimeClient({ region: 'us-east-1' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:8080' });
    expect(fromEnv.config.requestHandler).toBeInstanceOf(NodeHttpHandler);
    const aws = createBedrockRuntimeClient({ region: 'us-east-1' }, {});
    expect(aws.config.requestHandler).not.toBeInstanceOf(NodeHttpHandler);
    for (const c of [explicit, fromEnv, aws]) c.destroy();
  });
});
