import { describe, expect, it } from 'vitest';
import { type DisplaySession, openDisplaySession, sharedCredentials, withFreshCredentials } from './aws-session';
import type { DisplayCredentials } from './presign';

function counted(expiresInMs: number, now: () => number) {
  let calls = 0;
  const provider = async (): Promise<DisplayCredentials> => {
    calls++;
    return { accessKeyId: `AK${calls}`, secretAccessKey: 's', sessionToken: 't', expiration: new Date(now() + expiresInMs) };
  };
  return { provider, calls: () => calls };
}

describe('Function: sharedCredentials', () => {
  it('asks the provider once for all users while the credentials are fresh', async () => {
    let t = 0;
    const p = counted(3_600_000, () => t);
    const creds = sharedCredentials(p.provider, () => t);
    const [a, b] = await Promise.all([creds(), creds()]);
    t += 30 * 60_000;
    const c = await creds();
    expect([a.accessKeyId, b.accessKeyId, c.accessKeyId]).toEqual(['AK1', 'AK1', 'AK1']);
    expect(p.calls()).toBe(1);
  });

  it('asks again five minutes before they expire, and after renew()', async () => {
    let t = 0;
    const p = counted(10 * 60_000, () => t);
    const creds = sharedCredentials(p.provider, () => t);
    expect((await creds()).accessKeyId).toBe('AK1');
    t += 6 * 60_000;
    expect((await creds()).accessKeyId).toBe('AK2');
    creds.renew();
    expect((await creds()).accessKeyId).toBe('AK3');
  });

  it('does not keep a failure: the next call asks again', async () => {
    let fail = true;
    const creds = sharedCredentials(async () => {
      if (fail) throw new Error('cognito down');
      return { accessKeyId: 'AK', secretAccessKey: 's' };
    });
    await expect(creds()).rejects.toThrow('cognito down');
    fail = false;
    expect((await creds()).accessKeyId).toBe('AK');
  });
});

describe('Function: openDisplaySession', () => {
  const config = { region: 'us-east-1', identityPoolId: 'us-east-1:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b', database: 'pulsepet', endpoints: { mqtt: 'ws://127.0.0.1:1/mqtt' } };

  it('makes its SDK clients again when the credentials are renewed (the SDK would keep refused ones)', () => {
    const session = openDisplaySession(config);
    const [iotData, query] = [session.iotData, session.query];
    expect(session.iotData).toBe(iotData);
    session.credentials.renew();
    expect(session.iotData).not.toBe(iotData);
    expect(session.query).not.toBe(query);
  });

  it('renews once and retries a call whose credentials were refused; other errors pass through', async () => {
    let renewals = 0;
    const session = { credentials: Object.assign(async () => ({ accessKeyId: 'a', secretAccessKey: 's' }), { renew: () => renewals++ }) } as unknown as DisplaySession;
    const expired = Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException' });
    let calls = 0;
    expect(await withFreshCredentials(session, async () => (++calls === 1 ? Promise.reject(expired) : 'ok'))).toBe('ok');
    expect([calls, renewals]).toEqual([2, 1]);
    const forbidden = Object.assign(new Error('not allowed'), { name: 'ForbiddenException' });
    await expect(withFreshCredentials(session, () => Promise.reject(forbidden))).rejects.toThrow('not allowed');
    expect(renewals).toBe(1);
  });
});
