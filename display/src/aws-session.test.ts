import { describe, expect, it } from 'vitest';
import { sharedCredentials } from './aws-session';
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
