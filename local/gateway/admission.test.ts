import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import type { GatewayService } from '../ports';
import { admitBeforeBody, sigV4Status } from './admission';
import { splitTarget } from './http-io';

const credentials = { accessKeyId: 'AKIDADMIT', secretAccessKey: 'admit-secret' };
const region = 'us-east-1';
const iot: GatewayService = { signingNames: ['iot'], handle: async () => ({ status: 200 }) };
const opts = { region, credentials, serviceFor: (n: string) => (n === 'iot' ? iot : undefined), maxBodyBytes: 10 * 1024 * 1024 };

/** A request head signed by the SDK signer (its default declares x-amz-content-sha256). */
async function head(r: { service?: string; headers?: Record<string, string>; secret?: string; region?: string } = {}) {
  const signer = new SignatureV4({
    service: r.service ?? 'iot',
    region: r.region ?? region,
    credentials: { ...credentials, ...(r.secret ? { secretAccessKey: r.secret } : {}) },
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: 'localhost',
    path: '/things/a',
    query: {},
    headers: { host: 'localhost', ...(r.headers ?? {}) },
    body: '{}',
  });
  const headers = Object.fromEntries(Object.entries(signed.headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: 'POST', headers };
}

const target = splitTarget('/things/a');

describe('Function: admitBeforeBody', () => {
  it('admits a signed head, naming its service and that service’s body limit', async () => {
    const a = admitBeforeBody(await head(), target, opts);
    expect(a.ok).toBe(true);
    if (a.ok) {
      expect(a.service).toBe(iot);
      expect(a.maxBodyBytes).toBe(1024 * 1024);
      expect(a.pending?.accepted).toMatchObject({ service: 'iot', region, accessKeyId: credentials.accessKeyId });
    }
  });

  it.each([
    ['no signature', { method: 'POST', headers: { host: 'localhost' } }, 403, 'MissingAuthenticationTokenException', 'missing_signature'],
    ['a malformed Authorization', { method: 'POST', headers: { host: 'localhost', authorization: 'AWS4-HMAC-SHA256 x' } }, 400, 'IncompleteSignatureException', 'malformed_signature'],
  ])('refuses %s with %i %s', (_what, req, status, type, reason) => {
    const a = admitBeforeBody(req, target, opts);
    expect(a).toMatchObject({ ok: false, reason, response: { status, headers: { 'x-amzn-errortype': type } } });
  });

  it('refuses an unknown key, another region and a wrong secret (declared hash) from the head alone', async () => {
    const unknown = await head();
    unknown.headers.authorization = (unknown.headers.authorization ?? '').replace('AKIDADMIT', 'AKIDOTHER');
    expect(admitBeforeBody(unknown, target, opts)).toMatchObject({ ok: false, reason: 'unknown_access_key', response: { status: 403 } });
    expect(admitBeforeBody(await head({ region: 'eu-west-1' }), target, opts)).toMatchObject({
      ok: false,
      reason: 'invalid_signature',
      response: { headers: { 'x-amzn-errortype': 'InvalidSignatureException' } },
    });
    expect(admitBeforeBody(await head({ secret: 'wrong' }), target, opts)).toMatchObject({ ok: false, reason: 'invalid_signature' });
  });

  it('refuses a signing name no service answers with 404 UnknownServiceException', async () => {
    expect(admitBeforeBody(await head({ service: 'nosuch' }), target, opts)).toMatchObject({
      ok: false,
      reason: 'unknown_service',
      response: { status: 404, headers: { 'x-amzn-errortype': 'UnknownServiceException' } },
    });
  });

  it('refuses a declared Content-Length over the service limit with 413, and admits one at the limit', async () => {
    const over = await head({ headers: { 'content-length': String(1024 * 1024 + 1) } });
    expect(admitBeforeBody(over, target, opts)).toMatchObject({
      ok: false,
      reason: 'body_too_large',
      response: { status: 413, headers: { 'x-amzn-errortype': 'RequestEntityTooLargeException' } },
    });
    const at = await head({ headers: { 'content-length': String(1024 * 1024) } });
    expect(admitBeforeBody(at, target, opts).ok).toBe(true);
  });
});

describe('Function: sigV4Status', () => {
  it('answers a malformed signature or an S3 payload mismatch with 400 and every other failure with 403', () => {
    expect(sigV4Status('IncompleteSignatureException')).toBe(400);
    expect(sigV4Status('XAmzContentSHA256Mismatch')).toBe(400);
    expect(sigV4Status('MissingAuthenticationTokenException')).toBe(403);
    expect(sigV4Status('UnrecognizedClientException')).toBe(403);
    expect(sigV4Status('InvalidSignatureException')).toBe(403);
  });
});
