import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { type GatewayHandle, startGateway } from '../gateway/server';
import { type DisplayIdentity, openDisplayIdentity } from './index';

const region = 'us-east-1';
let gw: GatewayHandle;
let display: DisplayIdentity;
let cognito: CognitoIdentityClient;

beforeAll(async () => {
  const logger = silentLogger();
  display = openDisplayIdentity({ dataDir: mkdtempSync(join(tmpdir(), 'pp-cognito-')), region, logger });
  const credentials = { accessKeyId: 'AKIACOGNITOTEST00001', secretAccessKey: 'cognito-test-secret' };
  gw = await startGateway({ port: 0, region, credentials, services: [display.service], sessions: display.sessions, logger });
  // no credentials at all: the two operations are unsigned
  cognito = new CognitoIdentityClient({ region, endpoint: gw.url, maxAttempts: 1 });
});
afterAll(async () => {
  cognito?.destroy();
  await gw?.close();
});

/** A raw awsJson1_1 call without any signature, as a browser's fetch sends it. */
async function unsigned(operation: string, body: unknown): Promise<{ status: number; type: string | null; json: Record<string, unknown> }> {
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${operation}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('x-amzn-errortype'), json: (await res.json()) as Record<string, unknown> };
}

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  throw new Error('the call succeeded');
}

describe('Function: createCognitoIdentityService', () => {
  it('gives an unauthenticated identity of the pool, then temporary credentials for it (the real client, unsigned)', async () => {
    const { IdentityId } = await cognito.send(new GetIdCommand({ IdentityPoolId: display.identityPoolId }));
    expect(IdentityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    const out = await cognito.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    expect(out.IdentityId).toBe(IdentityId);
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(display.sessions.find(out.Credentials?.AccessKeyId ?? '')?.sessionToken).toBe(out.Credentials?.SessionToken);
    expect(out.Credentials?.Expiration?.getTime()).toBe(Math.floor((display.sessions.find(out.Credentials?.AccessKeyId ?? '')?.expiresAt ?? 0) / 1000) * 1000);
  });

  it('sends Expiration as epoch seconds, the awsJson1_1 timestamp format', async () => {
    const id = await unsigned('GetId', { IdentityPoolId: display.identityPoolId });
    const out = await unsigned('GetCredentialsForIdentity', { IdentityId: id.json.IdentityId });
    const expiration = (out.json.Credentials as { Expiration: unknown }).Expiration;
    expect(typeof expiration).toBe('number');
    expect(Math.abs((expiration as number) - (Date.now() / 1000 + 3600))).toBeLessThan(5);
  });

  it.each([
    ['an unknown pool', { IdentityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000' }, 'ResourceNotFoundException', "IdentityPool 'us-east-1:00000000-0000-0000-0000-000000000000' not found."],
    ['a malformed pool id', { IdentityPoolId: 'us-east-1_abc' }, 'ValidationException', 'Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+'],
    ['a missing pool id', { IdentityPoolId: undefined }, 'ValidationException', "Value null at 'identityPoolId' failed to satisfy constraint: Member must not be null"],
    ['logins of a provider', { Logins: { 'accounts.google.com': 'token' } }, 'InvalidParameterException', 'Logins are not supported'],
  ])('GetId refuses %s with %s', async (_what, input, name, message) => {
    const f = await failure(cognito.send(new GetIdCommand({ IdentityPoolId: display.identityPoolId, ...input } as { IdentityPoolId: string })));
    expect(f.name).toBe(name);
    expect(f.message).toContain(message);
  });

  it('GetCredentialsForIdentity refuses an identity the pool did not make (ResourceNotFoundException)', async () => {
    const forged = 'us-east-1:0123abcd-0000-0000-0000-000000000000';
    const f = await failure(cognito.send(new GetCredentialsForIdentityCommand({ IdentityId: forged })));
    expect(f).toEqual({ name: 'ResourceNotFoundException', message: `Identity '${forged}' not found.` });
  });

  it('answers a body that is not JSON with 400 SerializationException', async () => {
    expect(await unsigned('GetId', '{nope')).toMatchObject({ status: 400, type: 'SerializationException' });
  });

  it('admits no other operation unsigned (403 MissingAuthenticationTokenException)', async () => {
    const r = await unsigned('DescribeIdentityPool', { IdentityPoolId: display.identityPoolId });
    expect(r).toMatchObject({ status: 403, type: 'MissingAuthenticationTokenException' });
  });
});
