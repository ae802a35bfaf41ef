import { describe, expect, it } from 'vitest';
import { silentLogger } from '../common/logger';
import type { DeviceConfig, PetState } from '../protocol/shadows';
import { AgentMetrics } from './metrics';
import type { AvatarRef } from '../protocol/avatar-ref';
import type { AvatarPort } from './avatar-sync';
import { ShadowSync } from './shadow-sync';
import type { WatchFrame } from './watch-output';

const THING = 'pet-7';
const pre = `$aws/things/${THING}/shadow/name`;
const calm: PetState = { mood: 'calm', energy: 0.6, message: 'steady' };
const happy: PetState = { mood: 'happy', energy: 0.8, message: 'nice walk' };

/** A stand-in for the avatar downloads: records what the shadow asked for; `arrive` makes an avatar shown. */
function fakeAvatars() {
  let shown: { hash: string; file: string; bytes: number } | undefined;
  const wanted: AvatarRef[] = [];
  return {
    port: { shown: () => shown, want: (ref: AvatarRef) => void wanted.push(ref) } satisfies AvatarPort,
    wanted,
    arrive: (hash: string) => {
      shown = { hash, file: `/tmp/${hash}.png`, bytes: 10 };
    },
  };
}

function setup(failFirst = 0, avatars?: AvatarPort) {
  const shown: WatchFrame[] = [];
  let failures = failFirst;
  const sent: Array<{ topic: string; body: Record<string, unknown> }> = [];
  const applied: DeviceConfig[] = [];
  let config: DeviceConfig = { batchIntervalMs: 10_000 };
  const metrics = new AgentMetrics();
  const sync = new ShadowSync({
    thing: THING,
    output: {
      show: async (f) => {
        if (failures-- > 0) throw new Error('watch unreachable');
        shown.push(f);
      },
    },
    outputRetryMs: 20,
    rejectRetryMs: 20,
    applyConfig: (c) => {
      applied.push(c);
      config = { ...config, ...c };
      return config;
    },
    currentConfig: () => config,
    metrics,
    logger: silentLogger(),
    avatars,
  });
  const deliver = async (topic: string, body: unknown): Promise<void> => {
    expect(sync.handleMessage(topic, Buffer.from(JSON.stringify(body)))).toBe(true);
    // handling is serialized on an internal chain; let it run
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  const publish = async (topic: string, payload: Buffer): Promise<void> => {
    sent.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> });
  };
  return { sync, shown, sent, applied, metrics, deliver, publish };
}

describe('Class: ShadowSync', () => {
  it('gets both named shadows on connect', async () => {
    const s = setup();
    await s.sync.onConnected(s.publish);
    expect(s.sent.map((m) => m.topic).sort()).toEqual([`${pre}/config/get`, `${pre}/pet/get`]);
    expect(s.sync.topics()).toContain(`${pre}/pet/update/delta`);
  });

  it('shows the desired pet state on the watch, then reports it with the version it saw', async () => {
    const s = setup();
    await s.sync.onConnected(s.publish);
    s.sent.length = 0;
    await s.deliver(`${pre}/pet/get/accepted`, { state: { desired: calm }, version: 3 });
    expect(s.shown).toEqual([{ type: 'pet', version: 3, state: calm }]);
    expect(s.sent).toEqual([{ topic: `${pre}/pet/update`, body: expect.objectContaining({ state: { reported: calm }, version: 3 }) }]);
  });

  it('retries the watch output after a failure and reports only once it was shown', async () => {
    const s = setup(1);
    await s.sync.onConnected(s.publish);
    s.sent.length = 0;
    await s.deliver(`${pre}/pet/get/accepted`, { state: { desired: calm }, version: 3 });
    expect(s.sent).toEqual([]);
    expect(s.metrics.shadowErrors).toBe(1);
    const deadline = Date.now() + 5_000;
    while (s.sent.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(s.shown.map((f) => f.state)).toEqual([calm]);
    expect(s.sent.map((m) => m.topic)).toEqual([`${pre}/pet/update`]);
  });

  it('does not re-show a state the shadow already reports', async () => {
    const s = setup();
    await s.sync.onConnected(s.publish);
    s.sent.length = 0;
    await s.deliver(`${pre}/pet/get/accepted`, { state: { desired: calm, reported: calm }, version: 3 });
    expect(s.shown).toEqual([]);
    expect(s.sent).toEqual([]);
  });

  it('applies a delta that carries the same version as an update/accepted already seen (embedded-C #32)', async () => {
    const s = setup();
    await s.sync.onConnected(s.publish);
    await s.deliver(`${pre}/pet/get/accepted`, { state: { desired: calm, reported: calm }, version: 4 });
    // Someone else's report is accepted at version 5 …
    await s.deliver(`${pre}/pet/update/accepted`, { state: { reported: { energy: 0.6 } }, version: 5 });
    // … and the delta for the cloud's change arrives with that same version.
    await s.deliver(`${pre}/pet/update/delta`, { state: { mood: 'happy', energy: 0.8, message: 'nice walk' }, version: 5 });
    expect(s.shown.map((f) => f.state)).toEqual([happy]);
  });

  it('ignores a delta older than what it already has', async () => {
    const s = setup();
    await s.sync.onConnected(s.publish);
    await s.deliver(`${pre}/pet/get/accepted`, { state: { desired: calm, reported: calm }, version: 9 });
    await s.deliver(`${pre}/pet/update/delta`, { state: { mood: 'tired' }, version: 8 });
    expect(s.shown).toEqual([]);
  });

  it('re-reads the shadow after a 409 version conflict', async () => {
    const s = setup();
    await s.sync.onConnected(s.publish);
    s.sent.length = 0;
    await s.deliver(`${pre}/pet/update/rejected`, { code: 409, message: 'Version conflict' });
    expect(s.sent.map((m) => m.topic)).toEqual([`${pre}/pet/get`]);
  });

  it('reports again after its report was throttled (429): re-reads the shadow after a pause and reconciles', async () => {
    const s = setup();
    await s.sync.onConnected(s.publish);
    await s.deliver(`${pre}/pet/get/accepted`, { state: { desired: calm }, version: 3 });
    expect(s.sent.filter((m) => m.topic === `${pre}/pet/update`)).toHaveLength(1);
    s.sent.length = 0;
    await s.deliver(`${pre}/pet/update/rejected`, { code: 429, message: 'Rate exceeded' });
    expect(s.sent).toEqual([]); // not at once
    await new Promise((r) => setTimeout(r, 60));
    expect(s.sent.map((m) => m.topic)).toEqual([`${pre}/pet/get`]);
    // the cloud never took the report: it is made again
    await s.deliver(`${pre}/pet/get/accepted`, { state: { desired: calm }, version: 4 });
    expect(s.sent.filter((m) => m.topic === `${pre}/pet/update`).map((m) => m.body.state)).toEqual([{ reported: calm }]);
  });

  it('refuses an invalid pet state without showing it and counts the error', async () => {
    const s = setup();
    await s.sync.onConnected(s.publish);
    await s.deliver(`${pre}/pet/get/accepted`, { state: { desired: { mood: 'furious' } }, version: 2 });
    expect(s.shown).toEqual([]);
    expect(s.metrics.shadowErrors).toBe(1);
  });

  it('applies a config change and reports the effective settings', async () => {
    const s = setup();
    await s.sync.onConnected(s.publish);
    s.sent.length = 0;
    await s.deliver(`${pre}/config/update/delta`, { state: { batchIntervalMs: 2_000, persona: 'strict' }, version: 7 });
    expect(s.applied).toEqual([{ batchIntervalMs: 2_000, persona: 'strict' }]);
    expect(s.sent).toEqual([
      { topic: `${pre}/config/update`, body: expect.objectContaining({ state: { reported: { batchIntervalMs: 2_000, persona: 'strict' } }, version: 7 }) },
    ]);
  });

  it('creates the config shadow with the settings in force when it does not exist', async () => {
    const s = setup();
    await s.sync.onConnected(s.publish);
    s.sent.length = 0;
    await s.deliver(`${pre}/config/get/rejected`, { code: 404, message: 'No shadow exists with name: config' });
    await s.deliver(`${pre}/pet/get/rejected`, { code: 404, message: 'No shadow exists with name: pet' });
    expect(s.sent).toEqual([{ topic: `${pre}/config/update`, body: expect.objectContaining({ state: { reported: { batchIntervalMs: 10_000 } } }) }]);
    expect(s.sync.isSynced()).toBe(true);
  });

  describe('the pet avatar', () => {
    const h1 = 'a'.repeat(64);
    const h2 = 'b'.repeat(64);
    const ref = (hash: string, n = 1) => ({ key: `avatars/${hash}.png`, url: `http://127.0.0.1:9/pulsepet-avatars/avatars/${hash}.png?X-Amz-Signature=${n}`, hash });

    it('shows the state without the URL, asks for the avatar, and reports avatar {hash} once it is here', async () => {
      const av = fakeAvatars();
      const s = setup(0, av.port);
      await s.sync.onConnected(s.publish);
      s.sent.length = 0;
      await s.deliver(`${pre}/pet/get/accepted`, { state: { desired: { ...calm, avatar: ref(h1) } }, version: 3 });
      expect(av.wanted).toEqual([ref(h1)]);
      expect(s.shown).toEqual([{ type: 'pet', version: 3, state: calm }]);
      expect(s.sent.map((m) => m.body.state)).toEqual([{ reported: calm }]);

      av.arrive(h1);
      s.sync.avatarChanged();
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      expect(s.shown.at(-1)).toEqual({ type: 'pet', version: 3, state: calm, avatar: { hash: h1, file: `/tmp/${h1}.png`, bytes: 10 } });
      expect(s.sent.at(-1)?.body.state).toEqual({ reported: { ...calm, avatar: { hash: h1 } } });
    });

    it('does nothing for a shadow that already reports the avatar it shows, and asks again only on shadow messages', async () => {
      const av = fakeAvatars();
      av.arrive(h1);
      const s = setup(1, av.port); // the first watch output fails: its retry is not a shadow message
      await s.sync.onConnected(s.publish);
      s.sent.length = 0;
      await s.deliver(`${pre}/pet/get/accepted`, { state: { desired: { ...calm, avatar: ref(h2) }, reported: { ...calm, avatar: { hash: h1 } } }, version: 5 });
      expect(s.shown).toEqual([]);
      expect(s.sent).toEqual([]);
      expect(av.wanted).toEqual([ref(h2)]);
      await s.deliver(`${pre}/pet/update/delta`, { state: { message: 'new words', avatar: { url: ref(h2, 2).url } }, version: 6 });
      const deadline = Date.now() + 5_000;
      while (s.shown.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(s.shown.map((f) => [f.state.message, f.avatar?.hash])).toEqual([['new words', h1]]);
      expect(av.wanted).toEqual([ref(h2), ref(h2, 2)]);
    });

    it('shows the pet state when desired.avatar is malformed, and counts the refusal', async () => {
      const av = fakeAvatars();
      const s = setup(0, av.port);
      await s.sync.onConnected(s.publish);
      await s.deliver(`${pre}/pet/get/accepted`, { state: { desired: { ...calm, avatar: { key: 'x', url: 'file:///etc/passwd', hash: h1 } } }, version: 2 });
      expect(s.shown.map((f) => f.state)).toEqual([calm]);
      expect(av.wanted).toEqual([]);
      expect(s.metrics.shadowErrors).toBe(1);
    });
  });
});
