import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { PolicyEvaluator } from '../policy/evaluator';
import type { GatewayRequest, GatewayService, RoleSession } from '../ports';
import { admitBeforeBody } from './admission';
import { splitTarget } from './http-io';
import { authorizeRoleSession } from './iam-authorization';

const region = 'us-east-1';
const admin = { accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret' };
const policy = {
  Version: '2012-10-17' as const,
  Statement: [
    { Effect: 'Allow' as const, Action: ['iot:GetThingShadow'], Resource: ['arn:aws:iot:us-east-1:000000000000:thing/*/pet'] },
    { Effect: 'Deny' as const, Action: ['iot:GetThingShadow'], Resource: ['arn:aws:iot:us-east-1:000000000000:thing/secret/pet'] },
  ],
};
const session = (expiresAt = Date.now() + 60_000): RoleSession => ({
  accessKeyId: 'ASIATESTTESTTESTTEST',
  secretAccessKey: 'session-secret',
  sessionToken: 'the+session/token==',
  expiresAt,
  arn: 'arn:aws:sts::000000000000:assumed-role/r/CognitoIdentityCredentials',
  rights: new PolicyEvaluator([policy]),
});
const iotdata: GatewayService = {
  signingNames: ['iotdata'],
  handle: async () => ({ status: 200 }),
  iamRequest: (req) => [{ action: 'iot:GetThingShadow', resource: `arn:aws:iot:us-east-1:000000000000:thing/${req.path.split('/')[2]}/pet` }],
  accessDeniedType: 'ForbiddenException',
};
const cognito: GatewayService = { signingNames: ['cognito-identity'], unsignedTargets: ['Svc.GetId'], handle: async () => ({ status: 200 }) };
const optsFor = (s: RoleSession) => ({
  region,
  credentials: admin,
  sessions: { find: (id: string) => (id === s.accessKeyId ? s : undefined) },
  serviceFor: (n: string) => (n === 'iotdata' ? iotdata : n === 'cognito-identity' ? cognito : undefined),
  unsignedServiceFor: (t: string) => (t === 'Svc.GetId' ? cognito : undefined),
  maxBodyBytes: 1024 * 1024,
});

/** A GET signed by the SDK signer with the session's key; `token` is what the signer sends as X-Amz-Security-Token. */
async function signedHead(s: RoleSession, token: string | undefined) {
  const credentials = { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, ...(token === undefined ? {} : { sessionToken: token }) };
  const signer = new SignatureV4({ service: 'iotdata', region, credentials, sha256: Sha256 });
  const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: 'localhost', path: '/things/pet-1/shadow', query: {}, headers: { host: 'localhost' } });
  return { method: 'GET', headers: Object.fromEntries(Object.entries(signed.headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v])) };
}

const target = splitTarget('/things/pet-1/shadow');

describe('Function: admitBeforeBody with temporary credentials', () => {
  it('admits a request signed with a session key and its token, as that session', async () => {
    const s = session();
    const a = admitBeforeBody(await signedHead(s, s.sessionToken), target, optsFor(s));
    expect(a).toMatchObject({ ok: true, signingName: 'iotdata', caller: { kind: 'session', session: s } });
  });

  it.each([
    ['without its session token', undefined],
    ['with another session token', 'another-token'],
  ])('refuses a session key %s with 403 UnrecognizedClientException', async (_what, token) => {
    const s = session();
    expect(admitBeforeBody(await signedHead(s, token), target, optsFor(s))).toMatchObject({
      ok: false,
      reason: 'invalid_session_token',
      response: { status: 403, headers: { 'x-amzn-errortype': 'UnrecognizedClientException' } },
    });
  });

  it('refuses an expired session key with 403 ExpiredTokenException', async () => {
    const s = session(Date.now() - 1);
    expect(admitBeforeBody(await signedHead(s, s.sessionToken), target, optsFor(s))).toMatchObject({
      ok: false,
      reason: 'expired_session_token',
      response: { status: 403, headers: { 'x-amzn-errortype': 'ExpiredTokenException' } },
    });
  });

  it('takes the token of a presigned request from its query', async () => {
    const s = session();
    const signer = new SignatureV4({ service: 'iotdata', region, credentials: s, sha256: Sha256 });
    const signed = await signer.presign({ method: 'GET', protocol: 'http:', hostname: 'localhost', path: '/things/pet-1/shadow', query: {}, headers: { host: 'localhost' } });
    const rawQuery = new URLSearchParams(signed.query as Record<string, string>).toString();
    expect(rawQuery).toContain('X-Amz-Security-Token=');
    const a = admitBeforeBody({ method: 'GET', headers: { host: 'localhost' } }, { rawPath: '/things/pet-1/shadow', rawQuery }, optsFor(s));
    expect(a).toMatchObject({ ok: true, caller: { kind: 'session' } });
  });
});

describe('Function: admitBeforeBody without a signature', () => {
  const unsignedHead = (amzTarget: string, method = 'POST') => ({ method, headers: { host: 'localhost', 'x-amz-target': amzTarget } });

  it('admits exactly the X-Amz-Target a service declares unsigned, as an anonymous caller', () => {
    const a = admitBeforeBody(unsignedHead('Svc.GetId'), splitTarget('/'), optsFor(session()));
    expect(a).toMatchObject({ ok: true, pending: undefined, caller: { kind: 'anonymous' }, signingName: 'cognito-identity', service: cognito });
  });

  it('refuses an unsigned body declared past its service’s limit with 413, before reading it', () => {
    const head = { method: 'POST', headers: { host: 'localhost', 'x-amz-target': 'Svc.GetId', 'content-length': String(64 * 1024 + 1) } };
    expect(admitBeforeBody(head, splitTarget('/'), optsFor(session()))).toMatchObject({ ok: false, reason: 'body_too_large', response: { status: 413 } });
  });

  it.each([
    ['another target', unsignedHead('Svc.DeleteIdentityPool')],
    ['a GET', unsignedHead('Svc.GetId', 'GET')],
    ['no target', { method: 'POST', headers: { host: 'localhost' } }],
  ])('refuses %s with 403 MissingAuthenticationTokenException', (_what, head) => {
    expect(admitBeforeBody(head, splitTarget('/'), optsFor(session()))).toMatchObject({ ok: false, reason: 'missing_signature', response: { status: 403 } });
  });
});

describe('Function: authorizeRoleSession', () => {
  const req = (thing: string, service = 'iotdata'): GatewayRequest => ({
    method: 'GET',
    path: `/things/${thing}/shadow`,
    query: new URLSearchParams('name=pet'),
    headers: {},
    body: Buffer.alloc(0),
    service,
    region,
    accessKeyId: 'ASIATESTTESTTESTTEST',
    requestId: 'r',
  });

  it('allows what the role allows, and denies with the service’s error type and AWS’s message otherwise', () => {
    const s = session();
    expect(authorizeRoleSession(iotdata, req('pet-1'), s)).toEqual({ ok: true });
    const denied = authorizeRoleSession(iotdata, req('secret'), s);
    expect(denied).toMatchObject({ ok: false, response: { status: 403, headers: { 'x-amzn-errortype': 'ForbiddenException' } } });
    expect(!denied.ok && (denied.response.body as { message: string }).message).toBe(
      `User: ${s.arn} is not authorized to perform: iot:GetThingShadow on resource: arn:aws:iot:us-east-1:000000000000:thing/secret/pet with an explicit deny in an identity-based policy`,
    );
  });

  it('closes a service that cannot say what a request needs (403 AccessDeniedException)', () => {
    const denied = authorizeRoleSession(cognito, req('pet-1', 'cognito-identity'), session());
    expect(denied).toMatchObject({ ok: false, response: { status: 403, headers: { 'x-amzn-errortype': 'AccessDeniedException' } } });
  });
});
