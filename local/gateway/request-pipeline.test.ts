import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import type { GatewayRequest, GatewayService } from '../ports';
import { createRequestPipeline } from './request-pipeline';

const credentials = { accessKeyId: 'AKIDPIPELINE', secretAccessKey: 'pipeline-secret' };
const region = 'us-east-1';

/** An incoming request without a socket behind it: the pipeline is tested without the network. */
function incoming(r: { method: string; url: string; headers: Record<string, string>; body?: string }): IncomingMessage {
  const msg = new IncomingMessage(new Socket());
  msg.method = r.method;
  msg.url = r.url;
  msg.headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v]));
  if (r.body !== undefined) msg.push(r.body);
  msg.push(null);
  return msg;
}

async function signed(r: { service: string; method?: string; path: string; query?: Record<string, string>; body?: string }) {
  const signer = new SignatureV4({ service: r.service, region, credentials, sha256: Sha256 });
  const req = await signer.sign({
    method: r.method ?? 'GET',
    protocol: 'http:',
    hostname: 'localhost',
    path: r.path,
    query: r.query ?? {},
    headers: { host: 'localhost' },
    body: r.body,
  });
  const qs = new URLSearchParams(r.query ?? {}).toString();
  return incoming({
    method: r.method ?? 'GET',
    url: `${r.path}${qs ? `?${qs}` : ''}`,
    headers: req.headers as Record<string, string>,
    ...(r.body !== undefined ? { body: r.body } : {}),
  });
}

function pipelineWith(maxBodyBytes = 1024) {
  const seen: GatewayRequest[] = [];
  const echo: GatewayService = {
    signingNames: ['echo'],
    handle: async (req) => {
      seen.push(req);
      return { status: 200, body: { ok: true } };
    },
  };
  const pipeline = createRequestPipeline({
    region,
    credentials,
    serviceFor: (name) => (name === 'echo' ? echo : undefined),
    maxBodyBytes,
    log: silentLogger(),
  });
  return { pipeline, seen };
}

describe('Function: createRequestPipeline', () => {
  it('hands a signed request to the service its credential scope names, with the raw path and query', async () => {
    const { pipeline, seen } = pipelineWith();
    const out = await pipeline(
      await signed({ service: 'echo', method: 'POST', path: '/things/a%3Ab', query: { maxResults: '2' }, body: '{"x":1}' }),
      'req-1',
    );
    expect(out.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      path: '/things/a%3Ab',
      service: 'echo',
      region,
      accessKeyId: credentials.accessKeyId,
      requestId: 'req-1',
    });
    expect(seen[0]?.query.get('maxResults')).toBe('2');
    expect(seen[0]?.body.toString()).toBe('{"x":1}');
  });

  it('answers a CORS preflight without a signature and without calling a service', async () => {
    const { pipeline, seen } = pipelineWith();
    const out = await pipeline(
      incoming({ method: 'OPTIONS', url: '/things', headers: { 'access-control-request-method': 'GET' } }),
      'req-2',
    );
    expect(out.status).toBe(204);
    expect(out.headers?.['access-control-allow-headers']).toBe('*');
    expect(seen).toHaveLength(0);
  });

  it('answers an unsigned request with 403 and a malformed Authorization with 400', async () => {
    const { pipeline, seen } = pipelineWith();
    const unsigned = await pipeline(incoming({ method: 'GET', url: '/things', headers: { host: 'localhost' } }), 'r');
    expect(unsigned).toMatchObject({ status: 403, headers: { 'x-amzn-errortype': 'MissingAuthenticationTokenException' } });
    const malformed = await pipeline(
      incoming({ method: 'GET', url: '/things', headers: { host: 'localhost', authorization: 'AWS4-HMAC-SHA256 nonsense' } }),
      'r',
    );
    expect(malformed).toMatchObject({ status: 400, headers: { 'x-amzn-errortype': 'IncompleteSignatureException' } });
    expect(seen).toHaveLength(0);
  });

  it('answers a signing name no service serves with 404 UnknownServiceException', async () => {
    const { pipeline } = pipelineWith();
    const out = await pipeline(await signed({ service: 'nosuch', path: '/' }), 'r');
    expect(out).toMatchObject({ status: 404, headers: { 'x-amzn-errortype': 'UnknownServiceException' } });
  });

  it('answers a body larger than the limit with 413 before verifying or routing it', async () => {
    const { pipeline, seen } = pipelineWith(8);
    const out = await pipeline(await signed({ service: 'echo', method: 'POST', path: '/', body: 'x'.repeat(9) }), 'r');
    expect(out).toMatchObject({ status: 413, headers: { 'x-amzn-errortype': 'RequestEntityTooLargeException' } });
    expect(seen).toHaveLength(0);
  });
});
