import { describe, expect, it } from 'vitest';
import { verifyPresignedUrl } from '../../local/broker/ws-auth';
import { IOT_WS_SERVICE, presignMqttUrl } from './presign';

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
