import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureLogger } from '../test/support/local/broker';
import { DisplayConfigSchema } from '../protocol/display-config';
import { localDisplayConfig, serveDisplay } from './display-site';

const target = { region: 'us-east-1', identityPoolId: 'us-east-1:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b', httpEndpoint: 'http://127.0.0.1:8080' };

describe('Function: localDisplayConfig', () => {
  it("points every endpoint at the gateway port, on the host the browser used, in the config's own schema", () => {
    const cfg = localDisplayConfig(target, 'pets.lan:8080');
    expect(DisplayConfigSchema.parse(cfg)).toEqual({
      region: 'us-east-1',
      identityPoolId: target.identityPoolId,
      database: 'pulsepet',
      endpoints: { mqtt: 'ws://pets.lan:8080/mqtt', iotData: 'http://pets.lan:8080', timestreamQuery: 'http://pets.lan:8080', cognitoIdentity: 'http://pets.lan:8080' },
    });
    expect(localDisplayConfig(target, undefined).endpoints.mqtt).toBe('ws://127.0.0.1:8080/mqtt');
  });

  it('gives a page loaded over HTTPS https:// endpoints and wss://…/mqtt, as on AWS', () => {
    const tls = { ...target, httpsEndpoint: 'https://127.0.0.1:8443' };
    expect(DisplayConfigSchema.parse(localDisplayConfig(tls, 'localhost:8443', true)).endpoints).toEqual({
      mqtt: 'wss://localhost:8443/mqtt',
      iotData: 'https://localhost:8443',
      timestreamQuery: 'https://localhost:8443',
      cognitoIdentity: 'https://localhost:8443',
    });
    expect(localDisplayConfig(tls, undefined, true).endpoints.mqtt).toBe('wss://127.0.0.1:8443/mqtt');
    // over HTTP the same stack keeps answering ws:// and http://
    expect(localDisplayConfig(tls, '127.0.0.1:8080', false).endpoints).toMatchObject({ mqtt: 'ws://127.0.0.1:8080/mqtt', iotData: 'http://127.0.0.1:8080' });
  });
});

describe('Function: serveDisplay', () => {
  it('serves the built display at /display/ with / redirected, and says so once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-display-site-'));
    try {
      writeFileSync(join(dir, 'index.html'), '<!doctype html>');
      const sites: Array<{ prefix: string; dir: string; redirectRoot: boolean; config: string }> = [];
      const log = captureLogger();
      serveDisplay({ addStaticSite: (prefix, d, o) => sites.push({ prefix, dir: d, redirectRoot: o.redirectRoot, config: o.generated['config.json']?.({ host: undefined, secure: false }).body ?? '' }) }, target, log.logger, dir);
      expect(sites).toEqual([{ prefix: '/display/', dir, redirectRoot: true, config: JSON.stringify(localDisplayConfig(target, undefined)) }]);
      expect(log.records.filter((r) => r.component === 'display').map((r) => r.msg)).toEqual(['pet display served']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still serves (a later build is picked up) when the display is not built, with one line saying how to build it', () => {
    const log = captureLogger();
    serveDisplay({ addStaticSite: () => undefined }, target, log.logger, join(tmpdir(), 'pp-no-such-display'));
    const lines = log.records.filter((r) => r.component === 'display');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: expect.stringContaining('npm run build:display') });
  });
});
