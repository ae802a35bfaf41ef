import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAvatarPng } from '../common/avatar-render';
import { silentLogger } from '../common/logger';
import { withPngText } from '../protocol/avatar-png';
import { AVATARS } from '../protocol/resources';
import { avatarRef, makeAvatar, presignAvatar, putAvatar, type TestAvatar } from '../test/support/device-agent/avatars';
import { HttpCountingProxy } from '../test/support/device-agent/http-proxy';
import { startTestS3, type TestS3 } from '../test/support/local/s3';
import { AvatarStore } from './avatar-store';
import { AvatarSync, type AvatarSyncOptions } from './avatar-sync';
import { AgentMetrics } from './metrics';

// AvatarSync over its real store (a temp dir) against the local S3 through the real
// gateway, with a proxy in front that counts requests and cuts or stalls answers.
describe('Class: AvatarSync', () => {
  let s3: TestS3;
  let client: S3Client;
  let viaProxy: S3Client;
  let proxy: HttpCountingProxy;

  beforeAll(async () => {
    s3 = await startTestS3();
    await s3.service.ensureBucket(AVATARS.bucket);
    client = s3.client();
    proxy = new HttpCountingProxy({ host: '127.0.0.1', port: Number(new URL(s3.gateway.url).port) });
    await proxy.start();
    viaProxy = s3.client({ endpoint: proxy.url });
  });
  afterAll(async () => {
    await proxy?.close();
    await s3?.close();
  });

  function setup(opts: Partial<AvatarSyncOptions> = {}) {
    const dir = join(mkdtempSync(join(tmpdir(), 'pp-avatar-')), 'avatar');
    const metrics = new AgentMetrics();
    let changes = 0;
    let changed: () => void = () => {};
    const store = new AvatarStore(dir, silentLogger());
    const sync = new AvatarSync({ store, metrics, logger: silentLogger(), retryBaseMs: 10, retryCapMs: 40, attempts: 3, ...opts, onChange: () => {
        changes++;
        changed();
      },
    });
    const nextChange = () => new Promise<void>((r) => (changed = r));
    const settled = async (hash: string) => {
      while (sync.status().lastDownload?.hash !== hash || sync.status().downloading !== undefined) await new Promise((r) => setTimeout(r, 10));
      return sync.status().lastDownload;
    };
    return { dir, metrics, store, sync, nextChange, settled, changes: () => changes };
  }
  const until = async (cond: () => boolean): Promise<void> => {
    while (!cond()) await new Promise((r) => setTimeout(r, 10));
  };
  const gets = (a: TestAvatar) => proxy.to(a.key).filter((r) => r.method === 'GET');
  const stored = async (a: TestAvatar, name = a.key) => {
    await putAvatar(client, name, a.png);
    return avatarRef(a, await presignAvatar(viaProxy, name));
  };

  describe('Method: want', () => {
    it('retries a cut connection with backoff, continuing the part, and stops after the bounded attempts', async () => {
      const a = makeAvatar('calm', 'rain', 320);
      const ref = await stored(a);
      const s = setup();
      proxy.next({ kind: 'cut' }, { kind: 'stall', bytes: 500 });
      const done = s.nextChange();
      s.sync.want(ref);
      await until(() => s.store.partSize(a.hash) === 500); // the 500 bytes are on disk when the answer is cut
      proxy.release();
      await done;
      expect(gets(a).map((r) => [r.status, r.range])).toEqual([
        [0, undefined],
        [200, undefined],
        [206, 'bytes=500-'],
      ]);
      expect(new Uint8Array(readFileSync(join(s.dir, 'current.png')))).toEqual(a.png);
      expect(s.sync.status()).toMatchObject({ hash: a.hash, lastDownload: { outcome: 'ok', requests: 3, resumedFrom: 500 } });

      const b = makeAvatar('sick', 'rain', 128);
      const refB = await stored(b);
      proxy.next({ kind: 'cut' }, { kind: 'cut' }, { kind: 'cut' });
      s.sync.want(refB);
      expect(await s.settled(b.hash)).toMatchObject({ outcome: 'network', requests: 3 });
      expect(gets(b)).toHaveLength(3);
      expect(s.sync.shown()?.hash).toBe(a.hash); // the watch keeps its face
      // the next shadow message naming it tries again (bounded again)
      s.sync.want(refB);
      expect(await s.settled(b.hash)).toMatchObject({ outcome: 'ok' });
      expect(gets(b)).toHaveLength(4);
      expect(s.metrics.render({ depth: 0, bytes: 0, unassigned: 0, pendingBatches: 0, droppedTotal: 0, nextSeq: 0 })).toMatch(/pulsepet_agent_avatar_downloads_total\{outcome="network"\} 1/);
    });

    it('starts over when the object changed since the part began (If-Match → 412)', async () => {
      const a = makeAvatar('happy', 'mountain', 320);
      const ref = await stored(a);
      const renewed = withPngText(a.png, { 'pulsepet-note': 'stored again' }); // other bytes (a new ETag), the same hash mark
      const s = setup();
      proxy.next({ kind: 'stall', bytes: 700 });
      s.sync.want(ref);
      await until(() => s.store.partSize(a.hash) === 700);
      await putAvatar(client, a.key, renewed);
      proxy.release();
      expect(await s.settled(a.hash)).toMatchObject({ outcome: 'ok', requests: 3 });
      expect(gets(a).map((r) => [r.status, r.range])).toEqual([
        [200, undefined],
        [412, 'bytes=700-'],
        [200, undefined],
      ]);
      expect(new Uint8Array(readFileSync(join(s.dir, 'current.png')))).toEqual(renewed);
    });

    it('abandons a download for a newer avatar; parts of avatars no longer wanted go once the new one is in place', async () => {
      const a = makeAvatar('tired', 'home', 320);
      const b = makeAvatar('ecstatic', 'home', 128);
      const [refA, refB] = [await stored(a), await stored(b)];
      const s = setup();
      proxy.next({ kind: 'stall', bytes: 300 });
      s.sync.want(refA);
      await until(() => s.store.partSize(a.hash) === 300);
      s.sync.want(refB);
      proxy.release();
      expect(await s.settled(b.hash)).toMatchObject({ outcome: 'ok' });
      expect(s.sync.shown()?.hash).toBe(b.hash);
      expect(s.metrics.avatarDownloads.get('aborted')).toBe(1);
      expect(gets(a)).toHaveLength(1);
      expect(readdirSync(s.dir)).toEqual(['current.png']);
      expect(s.changes()).toBe(1);
    });

    it('refuses an answer that is not image/png or is over the size limit, without keeping its bytes', async () => {
      const a = makeAvatar('calm', 'mountain', 128);
      await putAvatar(client, a.key, a.png, 'text/html');
      const s = setup();
      const ref = avatarRef(a, await presignAvatar(viaProxy, a.key));
      s.sync.want(ref);
      expect(await s.settled(a.hash)).toMatchObject({ outcome: 'bad_type', requests: 1 });
      s.sync.want(ref); // the same URL is not fetched again
      expect(gets(a)).toHaveLength(1);
      expect(existsSync(join(s.dir, `${a.hash}.part`))).toBe(false);

      const small = setup({ maxBytes: 1024 });
      const b = makeAvatar('happy', 'home', 128);
      small.sync.want(await stored(b));
      expect(await small.settled(b.hash)).toMatchObject({ outcome: 'too_large' });
      expect(small.sync.shown()).toBeUndefined();
    });
  });

  describe('Class: AvatarStore', () => {
    it('knows the stored avatar after a restart from the image’s own hash mark, and drops a damaged one', async () => {
      const a = makeAvatar('sleeping', 'home', 128);
      const s = setup();
      s.sync.want(await stored(a));
      expect(await s.settled(a.hash)).toMatchObject({ outcome: 'ok' });
      expect(new AvatarStore(s.dir, silentLogger()).shown()).toEqual({ hash: a.hash, file: join(s.dir, 'current.png'), bytes: a.png.length });
      writeFileSync(join(s.dir, 'current.png'), a.png.subarray(0, 100));
      expect(new AvatarStore(s.dir, silentLogger()).shown()).toBeUndefined();
      expect(existsSync(join(s.dir, 'current.png'))).toBe(false);
    });

    it('takes an unmarked PNG named by its SHA-256, and refuses an unmarked one named otherwise', async () => {
      const png = renderAvatarPng({ mood: 'calm', scene: 'snow' }, 96);
      const hash = createHash('sha256').update(png).digest('hex');
      const a: TestAvatar = { hash, key: `avatars/${hash}.png`, png };
      const s = setup();
      s.sync.want(await stored(a));
      expect(await s.settled(hash)).toMatchObject({ outcome: 'ok' });
      expect(new AvatarStore(s.dir, silentLogger()).shown()?.hash).toBe(hash);

      const wrong = { ...makeAvatar('sick', 'rain', 96), png };
      const t = setup();
      t.sync.want(await stored(wrong));
      expect(await t.settled(wrong.hash)).toMatchObject({ outcome: 'invalid', reason: expect.stringContaining('no pulsepet-avatar-hash') });
    });
  });
});
