import { describe, expect, it } from 'vitest';
import { DisplayConfigError, loadDisplayConfig, parseDisplayConfig } from './runtime-config';

const good = {
  region: 'us-east-1',
  identityPoolId: 'us-east-1:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
  database: 'pulsepet',
  endpoints: { mqtt: 'wss://abc123-ats.iot.us-east-1.amazonaws.com/mqtt' },
};

describe('Function: parseDisplayConfig', () => {
  it('accepts the AWS shape (endpoints other than MQTT left to the SDK) and the local one', () => {
    expect(parseDisplayConfig(JSON.stringify(good))).toEqual(good);
    const local = { ...good, endpoints: { mqtt: 'ws://127.0.0.1:8080/mqtt', iotData: 'http://127.0.0.1:8080', timestreamQuery: 'http://127.0.0.1:8080', cognitoIdentity: 'http://127.0.0.1:8080' } };
    expect(parseDisplayConfig(JSON.stringify(local))).toEqual(local);
  });

  it('names every problem of a bad config', () => {
    const bad = { ...good, region: 'nowhere', identityPoolId: 'x', endpoints: { mqtt: 'http://host/mqtt', extra: 1 } };
    const e = (() => {
      try {
        parseDisplayConfig(JSON.stringify(bad));
      } catch (err) {
        return err as Error;
      }
      throw new Error('accepted');
    })();
    expect(e).toBeInstanceOf(DisplayConfigError);
    expect(e.message).toMatch(/region: not an AWS region name/);
    expect(e.message).toMatch(/identityPoolId: not a Cognito identity pool id/);
    expect(e.message).toMatch(/endpoints.mqtt: expected a ws\(s\):\/\/ URL/);
    expect(e.message).toMatch(/endpoints: Unrecognized key/);
    expect(() => parseDisplayConfig('{')).toThrow('config.json is not JSON');
  });

  it('says which HTTP status a missing config.json got', async () => {
    const fetch404 = (async () => new Response('nope', { status: 404 })) as typeof fetch;
    await expect(loadDisplayConfig(fetch404, new URL('http://h/display/config.json'))).rejects.toThrow('cannot fetch /display/config.json: HTTP 404');
  });
});
