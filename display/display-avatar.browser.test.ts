import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPulsepetStack } from '../cli/pulsepet-stack';
import type { LocalStack } from '../local/index';
import { readPng } from '../protocol/avatar-png';
import type { PetState } from '../protocol/shadows';
import { avatarRef, makeAvatar, presignAvatar, putAvatar, s3Client } from '../test/support/device-agent/avatars';
import { HttpCountingProxy } from '../test/support/device-agent/http-proxy';
import { artifactsDir, buildDisplay, launchChromium } from '../test/support/display/browser';
import { awsClientConfig } from '../test/support/local/stack';

/**
 * The pet's avatar in the display, in Chromium against the whole local stack: avatars are
 * put in the local S3 with the real client-s3 and named in the `pet` shadow with the real
 * client-iot-data-plane (no generation path); the page shows the image from
 * `desired.avatar.url`, and its SVG pet while the image loads or when it cannot be had.
 */

let dir: string;
let stack: LocalStack;
let data: IoTDataPlaneClient;
let s3: S3Client;
let viaProxy: S3Client;
let proxy: HttpCountingProxy;
let browser: Browser;
const shots = artifactsDir('display');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-display-avatar-'));
  browser = await launchChromium();
  const dist = await buildDisplay(join(dir, 'dist'));
  stack = await startPulsepetStack({ dataDir: join(dir, 'data'), displayDir: dist });
  const cfg = awsClientConfig(stack);
  data = new IoTDataPlaneClient({ ...cfg, maxAttempts: 4 });
  s3 = s3Client(cfg);
  proxy = new HttpCountingProxy({ host: '127.0.0.1', port: stack.httpPort });
  await proxy.start();
  viaProxy = s3Client({ ...cfg, endpoint: proxy.url });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  data?.destroy();
  s3?.destroy();
  viaProxy?.destroy();
  await proxy?.close();
  await stack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const state = (mood: PetState['mood'], message: string): PetState => ({ mood, energy: 0.6, message, updatedAt: Date.now() });
const desire = (thing: string, desired: object) =>
  data.send(new UpdateThingShadowCommand({ thingName: thing, shadowName: 'pet', payload: new TextEncoder().encode(JSON.stringify({ state: { desired } })) }));

async function petPage(thing: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 800, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${stack.httpEndpoint}/display/#/pet/${thing}`);
  await page.waitForSelector('.pet-state[data-mood]', { timeout: 15_000 });
  return { page, errors };
}

const faceState = (page: Page, selector = '.stage .pet-face') => page.getAttribute(selector, 'data-avatar');
const waitFace = (page: Page, want: string, selector = '.stage .pet-face') =>
  page.waitForFunction(([sel, w]) => document.querySelector(sel as string)?.getAttribute('data-avatar') === w, [selector, want], { timeout: 15_000 });
/** The shown image's natural size, its src and whether the SVG pet is hidden. */
const shownImage = (page: Page, selector = '.stage .pet-face') =>
  page.evaluate((sel) => {
    const face = document.querySelector(sel);
    const img = face?.querySelector('img.pet-avatar') as HTMLImageElement | null;
    const svg = face?.querySelector('svg.pet-figure') as SVGElement | null;
    return { src: img?.src, width: img?.naturalWidth, alt: img?.alt, svgHidden: svg ? getComputedStyle(svg).display === 'none' : undefined };
  }, selector);

describe('The pet display: the avatar', () => {
  it('shows the avatar image from desired.avatar.url on the pet page and in the grid', async () => {
    const avatar = makeAvatar('happy', 'rain', 256);
    await putAvatar(s3, avatar.key, avatar.png);
    const url = await presignAvatar(s3, avatar.key);
    await desire('face-a', { ...state('happy', 'a walk in the rain'), avatar: avatarRef(avatar, url) });
    const { page, errors } = await petPage('face-a');
    await waitFace(page, 'shown');
    const img = await shownImage(page);
    const png = readPng(avatar.png);
    expect(img).toMatchObject({ src: url, width: png.ok ? png.width : -1, svgHidden: true });
    expect(img.alt).toContain('face-a is happy');
    await page.screenshot({ path: join(shots, 'pet-page-avatar.png') });

    // the grid: the pet appears live (MQTT) with a small avatar
    await page.goto(`${stack.httpEndpoint}/display/#/`);
    await page.waitForFunction(() => document.getElementById('connection')?.dataset.state === 'online', undefined, { timeout: 15_000 });
    await desire('face-a', { message: 'still raining' });
    const card = 'li[data-thing="face-a"] .pet-face';
    await page.waitForSelector(card, { timeout: 15_000 });
    await waitFace(page, 'shown', card);
    expect(await shownImage(page, card)).toMatchObject({ src: url, svgHidden: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows the SVG pet for a pet without an avatar, and when the avatar cannot be had', async () => {
    await desire('face-none', state('calm', 'no face yet'));
    const none = await petPage('face-none');
    expect(await faceState(none.page)).toBe('none');
    expect(await shownImage(none.page)).toMatchObject({ src: undefined, svgHidden: false });
    expect(await none.page.getAttribute('svg.pet-figure', 'aria-label')).toContain('face-none is calm');
    await none.page.close();

    const missing = makeAvatar('sick', 'home', 128); // never put in S3: 404 for the URL and for the display's own
    await desire('face-missing', { ...state('sick', 'under the weather'), avatar: avatarRef(missing, await presignAvatar(s3, missing.key)) });
    const gone = await petPage('face-missing');
    await waitFace(gone.page, 'fallback');
    expect(await shownImage(gone.page)).toMatchObject({ src: undefined, svgHidden: false });
    await gone.page.close();
  }, 60_000);

  it('shows the SVG pet while the image loads, then the image', async () => {
    const avatar = makeAvatar('tired', 'mountain', 256);
    await putAvatar(s3, avatar.key, avatar.png);
    proxy.next({ kind: 'stall', bytes: 100 });
    await desire('face-slow', { ...state('tired', 'a long climb'), avatar: avatarRef(avatar, await presignAvatar(viaProxy, avatar.key)) });
    const { page } = await petPage('face-slow');
    await proxy.waitFor(() => proxy.to(avatar.key).some((r) => r.bytesSent === 100));
    expect(await faceState(page)).toBe('loading');
    expect(await shownImage(page)).toMatchObject({ src: undefined, svgHidden: false });
    proxy.release(); // the stalled answer is cut: the display presigns the GET itself and loads it
    await waitFace(page, 'shown');
    expect((await shownImage(page)).width).toBeGreaterThan(0);
    await page.close();
  }, 60_000);

  it('loads an avatar whose URL has expired with a GET presigned by the display with its identity-pool credentials', async () => {
    const avatar = makeAvatar('ecstatic', 'home', 192);
    await putAvatar(s3, avatar.key, avatar.png);
    const expired = await presignAvatar(viaProxy, avatar.key, { expiresInS: 60, signedAgoS: 3600 });
    await desire('face-expired', { ...state('ecstatic', 'a great day'), avatar: avatarRef(avatar, expired) });
    const { page } = await petPage('face-expired');
    await waitFace(page, 'shown');
    const src = new URL((await shownImage(page)).src ?? '');
    expect(src.pathname).toBe(new URL(expired).pathname);
    expect(src.searchParams.get('X-Amz-Credential')).toMatch(/\/s3\/aws4_request$/);
    expect(src.searchParams.get('X-Amz-Credential')?.split('/')[0]).not.toBe(stack.credentials.accessKeyId);
    expect(src.searchParams.get('X-Amz-Security-Token')).toBeTruthy();
    expect(proxy.to(avatar.key).map((r) => r.status)).toEqual(expect.arrayContaining([403, 200]));
    await page.close();
  }, 60_000);
});
