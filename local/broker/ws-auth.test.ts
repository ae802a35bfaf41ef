import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { IOT_WS_SERVICE, verifyPresignedUrl } from './ws-auth';

const creds = { accessKeyId: 'AKIAWSAUTHTEST000001', secretAccessKey: 'ws-auth-test-secret' };
const host = 'localhost:4566';
const signedAt = new Date('2026-11-22T03:00:00Z');

async function presign(opts: { service?: string; token?: string; expiresIn?: number } = {}): Promise<URLSearchParams> {
  const signer = new SignatureV4({
    service: opts.service ?? IOT_WS_SERVICE,
    region: 'us-east-1',
    credentials: { ...creds, ...(opts.token ? { sessionToken: opts.token } : {}) },
    sha256: Sha256,
  });
  const signed = await signer.presign(
    { method: 'GET', protocol: 'wss:', hostname: 'localhost', port: 4566, path: '/mqtt', headers: { host }, query: {} },
    { signingDate: signedAt, ...(opts.expiresIn ? { expiresIn: opts.expiresIn } : {}) },
  );
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(signed.query ?? {})) if (typeof v === 'string') q.set(k, v);
  return q;
}

const at = (secondsAfter: number) => signedAt.getTime() + secondsAfter * 1000;
const check = (query: URLSearchParams, now: number, path = '/mqtt') =>
  verifyPresignedUrl({ method: 'GET', path, query, headers: { host } }, creds, { region: 'us-east-1' }, now);

describe('Function: verifyPresignedUrl', () => {
  it('accepts a URL presigned by the AWS SDK signer for iotdevicegateway', async () => {
    expect(check(await presign({ expiresIn: 300 }), at(10))).toEqual({ ok: true, accessKeyId: creds.accessKeyId });
  });

  it('accepts a signed session token and one appended after signing, as AWS IoT clients do', async () => {
    expect(check(await presign({ token: 'tok', expiresIn: 300 }), at(1)).ok).toBe(true);
    const q = await presign({ expiresIn: 300 });
    q.set('X-Amz-Security-Token', 'appended/after+signing');
    expect(check(q, at(1)).ok).toBe(true);
  });

  it('refuses an expired URL, another service, another path and a tampered signature', async () => {
    expect(check(await presign({ expiresIn: 60 }), at(61))).toEqual({ ok: false, reason: 'presigned URL expired' });
    expect(check(await presign({ service: 'iotdata', expiresIn: 60 }), at(1)).ok).toBe(false);
    expect(check(await presign({ expiresIn: 60 }), at(1), '/other').ok).toBe(false);
    const q = await presign({ expiresIn: 60 });
    q.set('X-Amz-Signature', '0'.repeat(64));
    expect(check(q, at(1))).toEqual({ ok: false, reason: 'signature does not match' });
  });

  it('verifies extra signed headers (AWS CRT signs the WebSocket handshake headers) and refuses when one differs', async () => {
    const signer = new SignatureV4({ service: IOT_WS_SERVICE, region: 'us-east-1', credentials: creds, sha256: Sha256 });
    const headers = { host, 'sec-websocket-protocol': 'mqtt', 'sec-websocket-version': '13' };
    const signed = await signer.presign(
      { method: 'GET', protocol: 'wss:', hostname: 'localhost', port: 4566, path: '/mqtt', headers, query: {} },
      { signingDate: signedAt, expiresIn: 60, signableHeaders: new Set(['sec-websocket-protocol', 'sec-websocket-version']) },
    );
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(signed.query ?? {})) if (typeof v === 'string') q.set(k, v);
    expect(q.get('X-Amz-SignedHeaders')).toContain('sec-websocket-protocol');
    const verify = (h: Record<string, string>) =>
      verifyPresignedUrl({ method: 'GET', path: '/mqtt', query: q, headers: h }, creds, { region: 'us-east-1' }, at(1));
    expect(verify(headers).ok).toBe(true);
    expect(verify({ ...headers, 'sec-websocket-protocol': 'other' }).ok).toBe(false);
  });

  it('refuses an unknown access key before computing anything', async () => {
    const q = await presign({ expiresIn: 60 });
    const r = verifyPresignedUrl({ method: 'GET', path: '/mqtt', query: q, headers: { host } }, { ...creds, accessKeyId: 'AKIAOTHER' }, { region: 'us-east-1' }, at(1));
    expect(r).toEqual({ ok: false, reason: 'unknown access key' });
  });
});

describe('Function: verifyPresignedUrl with temporary keys', () => {
  const temp = { ...creds, sessionToken: 'tok+en/==', expiresAt: at(3600) };
  const lookup = (id: string) => (id === temp.accessKeyId ? temp : undefined);
  const verify = (q: URLSearchParams, now = at(1)) => verifyPresignedUrl({ method: 'GET', path: '/mqtt', query: q, headers: { host } }, lookup, { region: 'us-east-1' }, now);

  it('accepts the session token appended after signing or signed in', async () => {
    const appended = await presign({ expiresIn: 300 });
    appended.set('X-Amz-Security-Token', temp.sessionToken);
    expect(verify(appended)).toEqual({ ok: true, accessKeyId: creds.accessKeyId });
    expect(verify(await presign({ token: temp.sessionToken, expiresIn: 300 })).ok).toBe(true);
  });

  it('refuses a missing, wrong or expired session token', async () => {
    expect(verify(await presign({ expiresIn: 300 }))).toEqual({ ok: false, reason: 'missing security token' });
    const wrong = await presign({ expiresIn: 300 });
    wrong.set('X-Amz-Security-Token', 'other');
    expect(verify(wrong)).toEqual({ ok: false, reason: 'invalid security token' });
    const late = await presign({ expiresIn: 300 });
    late.set('X-Amz-Security-Token', temp.sessionToken);
    expect(verify(late, at(3600))).toEqual({ ok: false, reason: 'expired security token' });
  });

  it('refuses a key the lookup does not know', async () => {
    expect(verifyPresignedUrl({ method: 'GET', path: '/mqtt', query: await presign({ expiresIn: 60 }), headers: { host } }, () => undefined, { region: 'us-east-1' }, at(1))).toEqual({
      ok: false,
      reason: 'unknown access key',
    });
  });
});
