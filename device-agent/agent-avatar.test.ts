import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetThingShadowCommand, IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PetState } from '../protocol/shadows';
import { agentArgs, metric, newOutboxDir, statusPort } from '../test/support/device-agent/agent-args';
import { AgentProcess } from '../test/support/device-agent/agent-process';
import { type Kind, minutesOf } from '../test/support/functions/reasoning-e2e';
import { avatarRef, makeAvatar, presignAvatar, putAvatar, s3Client, type TestAvatar } from '../test/support/device-agent/avatars';
import { type CloudHarness, startStackHarness } from '../test/support/device-agent/harness';
import { HttpCountingProxy } from '../test/support/device-agent/http-proxy';
import type { WatchFrame } from './watch-output';

// The agent as users run it (a child process) against the local stack: avatars are put in
// the local S3 with the real client-s3, named in the pet shadow with the real
// client-iot-data-plane, and fetched by the agent through a counting proxy in front of
// the gateway (the URLs are presigned for the proxy's address, so S3 checks them as usual).
describe('pulsepet agent: the pet avatar (local stack)', () => {
  let cloud: CloudHarness;
  let data: IoTDataPlaneClient;
  let s3: S3Client;
  let viaProxy: S3Client;
  let proxy: HttpCountingProxy;

  beforeAll(async () => {
    cloud = await startStackHarness();
    data = new IoTDataPlaneClient({ ...cloud.clientConfig(), maxAttempts: 6 });
    const cfg = cloud.clientConfig();
    s3 = s3Client(cfg);
    proxy = new HttpCountingProxy({ host: '127.0.0.1', port: new URL(cfg.endpoint).port ? Number(new URL(cfg.endpoint).port) : 80 });
    await proxy.start();
    viaProxy = s3Client({ ...cfg, endpoint: proxy.url });
  }, 60_000);
  afterAll(async () => {
    data?.destroy();
    s3?.destroy();
    viaProxy?.destroy();
    await proxy?.close();
    await cloud?.close();
  });

  const calm: PetState = { mood: 'calm', energy: 0.6, message: 'steady' };
  const desire = (thing: string, desired: object) =>
    data.send(new UpdateThingShadowCommand({ thingName: thing, shadowName: 'pet', payload: new TextEncoder().encode(JSON.stringify({ state: { desired } })) }));
  const reported = async (thing: string): Promise<Record<string, unknown> | undefined> => {
    const r = await data.send(new GetThingShadowCommand({ thingName: thing, shadowName: 'pet' }));
    return (JSON.parse(new TextDecoder().decode(r.payload)) as { state: { reported?: Record<string, unknown> } }).state.reported;
  };
  const until = async (cond: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!(await Promise.resolve(cond()).catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const frames = (a: AgentProcess): WatchFrame[] => a.stdoutLines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as WatchFrame);
  const reportedHash = async (thing: string): Promise<string | undefined> => ((await reported(thing))?.avatar as { hash?: string } | undefined)?.hash;
  const health = async (a: AgentProcess): Promise<{ avatar?: { hash?: string; lastDownload?: { hash: string; outcome: string; requests: number } } }> =>
    (await fetch(`http://127.0.0.1:${await statusPort(a)}/healthz`)).json() as Promise<{ avatar?: { hash?: string; lastDownload?: { hash: string; outcome: string; requests: number } } }>;
  const gets = (a: TestAvatar) => proxy.to(a.key).filter((r) => r.method === 'GET');
  const start = (dev: Awaited<ReturnType<CloudHarness['device']>>, outbox: string) => new AgentProcess(agentArgs(dev, cloud.endpoint(), ['--status-port', '0'], outbox));

  it('downloads a new avatar once, hands it to the watch, reports its hash; the same hash again downloads nothing, also after a restart', async () => {
    const dev = await cloud.device('avatar-once');
    const avatar = makeAvatar('calm', 'rain');
    await putAvatar(s3, avatar.key, avatar.png);
    await desire(dev.thing, { ...calm, avatar: avatarRef(avatar, await presignAvatar(viaProxy, avatar.key)) });
    const outbox = newOutboxDir();
    const first = start(dev, outbox);
    try {
      const shown = await first.waitFor(() => frames(first).find((f) => f.avatar?.hash === avatar.hash), 20_000, 'a frame with the avatar');
      expect(shown.state).toEqual(calm); // the watch gets the state without the URL, and the image as a file
      expect(new Uint8Array(readFileSync(shown.avatar?.file ?? ''))).toEqual(avatar.png);
      await until(async () => (await reportedHash(dev.thing)) === avatar.hash, 'reported.avatar.hash');
      expect((await reported(dev.thing))?.avatar).toEqual({ hash: avatar.hash });
      expect(gets(avatar).map((r) => [r.status, r.range])).toEqual([[200, undefined]]);
      expect(first.stderrText + first.stdoutLines.join('\n')).not.toContain('X-Amz-Signature'); // the presigned URL is a credential: never logged or passed on

      // A new pet state and a renewed URL for the same avatar: shown, nothing fetched.
      await desire(dev.thing, { mood: 'happy', message: 'nice walk' });
      await first.waitFor(() => frames(first).find((f) => f.state.mood === 'happy'), 20_000, 'the happy frame');
      await desire(dev.thing, { avatar: avatarRef(avatar, await presignAvatar(viaProxy, avatar.key, { expiresInS: 600 })) });
      await desire(dev.thing, { message: 'after the new URL' });
      await first.waitFor(() => frames(first).find((f) => f.state.message === 'after the new URL'), 20_000, 'the frame after the new URL');
      expect(frames(first).at(-1)?.avatar?.hash).toBe(avatar.hash);
      expect(gets(avatar)).toHaveLength(1);
      const sp = await statusPort(first);
      expect(await metric(sp, 'pulsepet_agent_avatar_requests_total')).toBe(1);
      expect((await (await fetch(`http://127.0.0.1:${sp}/metrics`)).text())).toContain(`pulsepet_agent_avatar_info{hash="${avatar.hash}"} 1`);
      expect(await first.stop()).toBe(0);

      const second = start(dev, outbox);
      try {
        await second.waitForLog((l) => l.msg === 'pet state shown on the watch' || l.msg === 'connected');
        const h = await health(second);
        expect(h.avatar?.hash).toBe(avatar.hash);
        await desire(dev.thing, { message: 'after the restart' });
        const f = await second.waitFor(() => frames(second).find((x) => x.state.message === 'after the restart'), 20_000, 'a frame after the restart');
        expect(f.avatar?.hash).toBe(avatar.hash);
        expect(gets(avatar)).toHaveLength(1);
        expect(await metric(await statusPort(second), 'pulsepet_agent_avatar_requests_total')).toBe(0);
      } finally {
        await second.stop();
      }
    } finally {
      await first.stop('SIGKILL');
    }
  }, 90_000);

  it('resumes a download cut by SIGKILL with a Range request and ends with exactly the object', async () => {
    const dev = await cloud.device('avatar-kill');
    const avatar = makeAvatar('tired', 'mountain', 768);
    await putAvatar(s3, avatar.key, avatar.png);
    const cutAt = Math.floor(avatar.png.length * 0.4);
    proxy.next({ kind: 'stall', bytes: cutAt });
    const outbox = newOutboxDir();
    const part = join(outbox, 'avatar', `${avatar.hash}.part`);
    const first = start(dev, outbox);
    let second: AgentProcess | undefined;
    try {
      await first.waitForLog((l) => l.msg === 'connected');
      await desire(dev.thing, { ...calm, avatar: avatarRef(avatar, await presignAvatar(viaProxy, avatar.key)) });
      await first.waitFor(() => existsSync(part) && statSync(part).size === cutAt, 20_000, `${cutAt} bytes in the part file`);
      await first.stop('SIGKILL');
      proxy.release();
      expect(frames(first).some((f) => f.avatar !== undefined)).toBe(false);

      second = start(dev, outbox);
      const shown = await second.waitFor(() => frames(second!).find((f) => f.avatar?.hash === avatar.hash), 20_000, 'the avatar after the restart');
      expect(new Uint8Array(readFileSync(shown.avatar?.file ?? ''))).toEqual(avatar.png);
      await until(async () => (await reportedHash(dev.thing)) === avatar.hash, 'reported.avatar.hash');
      const g = gets(avatar);
      expect(g.map((r) => [r.status, r.range])).toEqual([
        [200, undefined],
        [206, `bytes=${cutAt}-`],
      ]);
      expect(g[1]?.ifMatch).toMatch(/^"[0-9a-f]+"$/);
      expect(g[1]?.bytesSent).toBe(avatar.png.length - cutAt);
      expect(readdirSync(join(outbox, 'avatar')).sort()).toEqual(['current.png']);
      expect(await metric(await statusPort(second), 'pulsepet_agent_avatar_resumes_total')).toBe(1);
      expect(await second.stop()).toBe(0);
    } finally {
      proxy.release();
      await first.stop('SIGKILL');
      await second?.stop('SIGKILL');
    }
  }, 90_000);

  it('rejects an image that is not the avatar it claims to be, never shows it, and does not fetch it again for the same URL', async () => {
    const dev = await cloud.device('avatar-corrupt');
    const good = makeAvatar('happy', 'home');
    const other = makeAvatar('sick', 'home');
    await putAvatar(s3, good.key, other.png); // the bytes of another avatar under this key
    const first = start(dev, newOutboxDir());
    try {
      await first.waitForLog((l) => l.msg === 'connected');
      const url = await presignAvatar(viaProxy, good.key);
      await desire(dev.thing, { ...calm, avatar: avatarRef(good, url) });
      await until(async () => (await health(first)).avatar?.lastDownload?.outcome === 'invalid', 'the download to be refused');
      // the status endpoint can answer before the agent's log line has reached this process
      await first.waitForLog((l) => l.msg === 'avatar download failed; waiting for the pet shadow to name the avatar again' && String(l.reason).includes(`not ${good.hash}`));
      await desire(dev.thing, { message: 'still calm' });
      await first.waitFor(() => frames(first).find((f) => f.state.message === 'still calm'), 20_000, 'the next frame');
      expect(frames(first).every((f) => f.avatar === undefined)).toBe(true);
      expect((await reported(dev.thing))?.avatar).toBeUndefined();
      expect(gets(good)).toHaveLength(1);

      // The right image under a new URL: downloaded and shown.
      await putAvatar(s3, good.key, good.png);
      await desire(dev.thing, { avatar: avatarRef(good, await presignAvatar(viaProxy, good.key, { expiresInS: 900 })) });
      await first.waitFor(() => frames(first).find((f) => f.avatar?.hash === good.hash), 20_000, 'the good avatar');
      expect(gets(good)).toHaveLength(2);
    } finally {
      await first.stop();
    }
  }, 90_000);

  it('reports an expired URL and waits for a new one instead of retrying it', async () => {
    const dev = await cloud.device('avatar-expired');
    const avatar = makeAvatar('ecstatic', 'home');
    await putAvatar(s3, avatar.key, avatar.png);
    const first = start(dev, newOutboxDir());
    try {
      await first.waitForLog((l) => l.msg === 'connected');
      await desire(dev.thing, { ...calm, avatar: avatarRef(avatar, await presignAvatar(viaProxy, avatar.key, { expiresInS: 60, signedAgoS: 3600 })) });
      await until(async () => (await health(first)).avatar?.lastDownload?.outcome === 'expired', 'the expired outcome');
      expect(gets(avatar).map((r) => r.status)).toEqual([403]);
      // the health answer can reach the test before the log line does (another pipe, another process)
      await first.waitForLog((l) => l.msg === 'avatar URL has expired; waiting for a new URL in the pet shadow');
      await desire(dev.thing, { message: 'later' });
      await first.waitFor(() => frames(first).find((f) => f.state.message === 'later'), 20_000, 'the next frame');
      expect(gets(avatar)).toHaveLength(1);
      expect(await (await fetch(`http://127.0.0.1:${await statusPort(first)}/metrics`)).text()).toContain('pulsepet_agent_avatar_downloads_total{outcome="expired"} 1');

      await desire(dev.thing, { avatar: avatarRef(avatar, await presignAvatar(viaProxy, avatar.key)) });
      await first.waitFor(() => frames(first).find((f) => f.avatar?.hash === avatar.hash), 20_000, 'the avatar from the new URL');
      await until(async () => (await reportedHash(dev.thing)) === avatar.hash, 'reported.avatar.hash');
      expect(gets(avatar).map((r) => r.status)).toEqual([403, 200]);
    } finally {
      await first.stop();
    }
  }, 90_000);

  it('end to end: the reasoning and avatar functions give the pet a face, the watch downloads it once, and again only when the state changes', async () => {
    const dev = await cloud.device('avatar-e2e');
    const agent = new AgentProcess(agentArgs(dev, cloud.endpoint(), ['--status-port', '0', '--input', 'stdin', '--batch-max-samples', '300', '--batch-interval', '200ms']));
    const s3Gets = () => Number(/^pulsepet_s3_requests_total\{operation="GetObject",status="200"\} (\d+)$/m.exec(cloud.stack.s3.metrics())?.[1] ?? 0);
    const settle = async () => {
      for (let i = 0; i < 2; i++) {
        await cloud.stack.rules.idle();
        await cloud.stack.lambda.idle();
      }
    };
    const BLOCK_MS = 15 * 60_000;
    // The three blocks end now, unless they would cross 00:00 UTC, or the test would run
    // past it: a new day refills the pet's spoons, and its face changes with them. Then
    // they end 10 minutes before the nearest midnight.
    const now = Date.now();
    const DAY_MS = 86_400_000;
    const sinceMidnight = now % DAY_MS;
    const nearMidnight = sinceMidnight < 3 * BLOCK_MS + 10 * 60_000 || DAY_MS - sinceMidnight < 10 * 60_000;
    const nearestMidnight = now - sinceMidnight + (sinceMidnight > DAY_MS / 2 ? DAY_MS : 0);
    const end = nearMidnight ? nearestMidnight - 10 * 60_000 : now;
    const start = end - 3 * BLOCK_MS;
    const block = (kind: Kind, k: number) => agent.writeStdin(`${minutesOf(kind, start + (k + 1) * BLOCK_MS, 15).map((x) => JSON.stringify(x)).join('\n')}\n`);
    try {
      await agent.waitForLog((l) => l.msg === 'connected');
      const before = s3Gets();
      block('rest', 0);
      const first = await agent.waitFor(() => frames(agent).find((f) => f.avatar !== undefined), 60_000, 'a frame with a generated avatar');
      await until(async () => (await reportedHash(dev.thing)) === first.avatar?.hash, 'reported.avatar.hash');
      await settle();
      expect(s3Gets() - before).toBe(1);

      block('stress', 1);
      const second = await agent.waitFor(() => frames(agent).find((f) => f.avatar !== undefined && f.avatar.hash !== first.avatar?.hash), 60_000, 'the face of the new state');
      expect(second.state.mood).toBe('stressed');
      await until(async () => (await reportedHash(dev.thing)) === second.avatar?.hash, 'the new reported.avatar.hash');
      await settle();
      expect(s3Gets() - before).toBe(2);

      // the same state again: the same face, nothing generated, nothing downloaded
      block('stress', 2);
      const sp = await statusPort(agent);
      await until(async () => (await metric(sp, 'pulsepet_agent_samples_acked_total')) >= 3 * 900, 'the third block acknowledged');
      await settle();
      const desired = await data.send(new GetThingShadowCommand({ thingName: dev.thing, shadowName: 'pet' }));
      const pet = (JSON.parse(new TextDecoder().decode(desired.payload)) as { state: { desired: { mood: string; avatar: { hash: string } } } }).state.desired;
      expect(pet.mood).toBe('stressed');
      expect(pet.avatar.hash).toBe(second.avatar?.hash);
      expect(s3Gets() - before).toBe(2);
      expect(await metric(sp, 'pulsepet_agent_avatar_requests_total')).toBe(2);
    } finally {
      await agent.stop();
    }
  }, 120_000);
});

