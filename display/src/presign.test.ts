import { describe, expect, it } from 'vitest';
import { verifyPresignedUrl } from '../../local/broker/ws-auth';
import { verifySigV4 } from '../../local/gateway/sigv4';
import { IOT_WS_SERVICE, presignMqttUrl, presignS3Get } from './presign';

const creds = { accessKeyId: 'ASIALOCALTEMP0000001', secretAccessKey: 'temporary-secret-key-000000000000000000', sessionToken: 'token/with+chars=and more' };
const region = 'eu-west-1';

function verify(url: string, c: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = creds) {
  const u = new URL(url);
  return verifyPresignedUrl({ method: 'GET', path: u.pathname, query: u.searchParams, headers: { host: u.host } }, c, { region });
}

describe('Function: presignMqttUrl', () => {
  it('presigns GET /mqtt for iotdevicegateway in the region, verifiable by the broker', async () => {
    const url = await presignMqttUrl('ws://127.0.0.1:8080/mqtt', region, creds);
    const u = new URL(url);
    expect(`${u.protocol}//${u.host}${u.pathname}`).toBe('ws://127.0.0.1:8080/mqtt');
    expect(u.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(u.searchParams.get('X-Amz-Credential')).toMatch(new RegExp(`^${creds.accessKeyId}/\\d{8}/${region}/${IOT_WS_SERVICE}/aws4_request$`));
    expect(u.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    expect(verify(url)).toEqual({ ok: true, accessKeyId: creds.accessKeyId });
  });

  it('appends the session token after signing, as IoT Core expects: the signature holds without it', async () => {
    const url = new URL(await presignMqttUrl('wss://abc123-ats.iot.eu-west-1.amazonaws.com/mqtt', region, creds));
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(creds.sessionToken);
    expect([...url.searchParams.keys()].at(-1)).toBe('X-Amz-Security-Token');
    expect(verify(url.toString()).ok).toBe(true);
    // the signature is over the URL without the token: it verifies for the bare key pair
    url.searchParams.delete('X-Amz-Security-Token');
    expect(verify(url.toString(), { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }).ok).toBe(true);
    // and the stack, which knows the token, refuses the URL without it
    expect(verify(url.toString())).toEqual({ ok: false, reason: 'missing security token' });
  });

  it('signs for the endpoint it is given, so a URL for another host or secret does not verify', async () => {
    const url = new URL(await presignMqttUrl('ws://127.0.0.1:8080/mqtt', region, creds));
    expect(verify(url.toString(), { ...creds, secretAccessKey: 'another-secret' }).ok).toBe(false);
    const moved = new URL(url.toString());
    moved.port = '9090';
    expect(verify(moved.toString()).ok).toBe(false);
  });

  it('refuses an endpoint that is not a WebSocket URL', async () => {
    await expect(presignMqttUrl('https://example.com/mqtt', region, creds)).rejects.toThrow(/ws:\/\/ or wss:\/\//);
  });
});

describe('Function: presignS3Get', () => {
  const object = 'http://127.0.0.1:4566/pulsepet-avatars/avatars/ab.png';
  const expired = `${object}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=AKIDSTACK%2F20260101%2F${region}%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-Signature=00&X-Amz-SignedHeaders=host&x-id=GetObject`;
  const verifyS3 = (url: string, c: { accessKeyId: string; secretAccessKey: string } = creds) => {
    const u = new URL(url);
    return verifySigV4({ method: 'GET', rawPath: u.pathname, rawQuery: u.search.slice(1), headers: { host: u.host }, body: Buffer.alloc(0) }, (id) => (id === c.accessKeyId ? c : undefined), { region });
  };

  it('presigns the same object again for s3 in the URL scope’s region with the session token signed, as S3 verifies it', async () => {
    const url = new URL((await presignS3Get(expired, creds)) ?? '');
    expect(`${url.origin}${url.pathname}`).toBe(object);
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(new RegExp(`^${creds.accessKeyId}/\\d{8}/${region}/s3/aws4_request$`));
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(creds.sessionToken);
    expect(url.searchParams.get('x-id')).toBe('GetObject');
    expect(url.searchParams.getAll('X-Amz-Signature')).toHaveLength(1);
    expect(verifyS3(url.toString())).toMatchObject({ ok: true, service: 's3', region });
    expect(verifyS3(url.toString(), { ...creds, secretAccessKey: 'another-secret' }).ok).toBe(false);
  });

  it('gives nothing for a URL that is not an S3 presigned URL', async () => {
    expect(await presignS3Get('https://cdn.example.com/avatars/ab.png', creds)).toBeUndefined();
    expect(await presignS3Get(expired.replace('%2Fs3%2F', '%2Fiotdevicegateway%2F'), creds)).toBeUndefined();
    expect(await presignS3Get('not a url', creds)).toBeUndefined();
  });
});
