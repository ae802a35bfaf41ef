import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListThingsCommand } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../test/support/local/gateway';
import { siteRelativePath } from './static-site';

let t: TestGateway;
let root: string;
let site: string;

beforeAll(async () => {
  t = await startTestGateway();
  root = mkdtempSync(join(tmpdir(), 'pp-static-'));
  site = join(root, 'dist');
  mkdirSync(join(site, 'assets'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>pet</title>');
  writeFileSync(join(site, 'assets', 'app-abc123.js'), 'console.log(1)');
  writeFileSync(join(site, 'assets', 'app-abc123.css'), 'body{}');
  writeFileSync(join(root, 'secret.txt'), 'outside the site');
  t.gateway.addStaticSite('/display/', site, {
    redirectRoot: true,
    immutableDir: 'assets',
    generated: { 'config.json': (req) => ({ body: JSON.stringify({ host: req.host ?? null }), contentType: 'application/json' }) },
  });
});
afterAll(async () => {
  await t.close();
  rmSync(root, { recursive: true, force: true });
});

/** A raw GET (fetch would normalise `..` away before sending it). */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(t.gateway.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Method: addStaticSite', () => {
  it('serves the site index and its bundled files with their content types, unsigned', async () => {
    const index = await rawGet('/display/');
    expect(index).toMatchObject({ status: 200, body: '<!doctype html><title>pet</title>' });
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    const js = await rawGet('/display/assets/app-abc123.js');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await rawGet('/display/assets/app-abc123.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers a revalidation with 304 when the file is unchanged', async () => {
    const first = await rawGet('/display/index.html');
    const again = await rawGet('/display/index.html', { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('answers the generated config with the host the browser used', async () => {
    const cfg = await rawGet('/display/config.json', { host: 'pets.example:8080' });
    expect(cfg.status).toBe(200);
    expect(JSON.parse(cfg.body)).toEqual({ host: 'pets.example:8080' });
    expect(cfg.headers['cache-control']).toBe('no-cache');
  });

  it('redirects / and the bare prefix to the site', async () => {
    expect(await rawGet('/')).toMatchObject({ status: 302, headers: { location: '/display/' } });
    expect(await rawGet('/display')).toMatchObject({ status: 302, headers: { location: '/display/' } });
  });

  it('never serves a file outside the site folder, however the path is written', async () => {
    for (const path of ['/display/../secret.txt', '/display/%2e%2e/secret.txt', '/display/assets/..%2f..%2fsecret.txt', '/display/%2Fetc%2Fpasswd', '/display/.hidden', '/display/a%00b']) {
      const out = await rawGet(path);
      expect(out.status, path).toBe(404);
      expect(out.body).not.toContain('outside the site');
    }
    expect(siteRelativePath('..%2fsecret.txt')).toBeUndefined();
    expect(siteRelativePath('assets/app.js')).toBe('assets/app.js');
  });

  it('leaves the AWS APIs on the same port alone: a signed call still reaches its service', async () => {
    const out = await t.iot().send(new ListThingsCommand({}));
    expect(out.things).toEqual([]);
    // an unsigned call outside the site is still refused as AWS would
    expect((await rawGet('/things')).status).toBe(403);
  });

  it('refuses a second site at the same prefix and a prefix that is not one segment', () => {
    expect(() => t.gateway.addStaticSite('/display/', site)).toThrow(/already served/);
    expect(() => t.gateway.addStaticSite('/a/b/', site)).toThrow(/one lowercase path segment/);
  });
});
