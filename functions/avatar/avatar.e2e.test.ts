import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BedrockFaultsSchema } from '../../local/index';
import { AVATAR_DEFAULT_MODEL_ID, avatarHash, avatarKey, defaultFace, visualInputsOf } from '../../protocol/avatar';
import { LOCAL_IMAGE_TEXT_KEY, pngText, verifyAvatarPng } from '../../protocol/avatar-png';
import { AvatarHarness, type PetFacts } from '../../test/support/functions/avatar';

/**
 * pulsepet-avatar on the local stack: its own execution environment, invoked through
 * Lambda's Invoke API (Event), the local Bedrock painter behind InvokeModel, the local
 * S3 and the shadows, all through the real clients; the avatar is fetched with a plain
 * GET of the shadow's presigned URL, as the watch and the display fetch it.
 */

const hashOf = (p: PetFacts) => avatarHash(visualInputsOf(p, AVATAR_DEFAULT_MODEL_ID));

describe('pulsepet-avatar on the local stack', () => {
  let h: AvatarHarness;
  beforeAll(async () => {
    h = await AvatarHarness.start();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const hiker: PetFacts = { thing: 'avatar-hiker', stateHash: 'aaaa000000000001', mood: 'tired', spoons: 4, persona: 'strict', activity: 'exercise', environment: { altitudeM: 2100, speedKmh: 3 } };

  it('generates the avatar of a new state once, stores it under avatars/{hash}.png and puts {key, url, hash} in the pet shadow', async () => {
    await h.show(hiker);
    const before = await h.imagesDrawn();
    await h.ask(hiker);
    expect(await h.imagesDrawn()).toBe(before + 1);
    const { avatar } = await h.pet(hiker.thing);
    const hash = hashOf(hiker);
    expect(avatar).toMatchObject({ hash, key: avatarKey(hash) });
    const got = await h.download(avatar!);
    expect(got).toMatchObject({ status: 200, contentType: 'image/png' });
    expect(verifyAvatarPng(got.bytes, hash)).toMatchObject({ ok: true, width: 512, height: 512 });
    // drawn by the local stand-in from the prompt's facts, and saying so
    expect(pngText(got.bytes)?.[LOCAL_IMAGE_TEXT_KEY]).toMatch(/local Bedrock stand-in/);
    expect(pngText(got.bytes)?.['pulsepet-facts']).toContain('mood=tired energy=low scene=mountain persona=strict');
    const head = await h.head(avatar!.key);
    expect(head).toMatchObject({ ContentType: 'image/png', CacheControl: 'public, max-age=31536000, immutable' });
    expect(head.Metadata).toMatchObject({ 'avatar-hash': hash, 'model-id': AVATAR_DEFAULT_MODEL_ID });
  }, 60_000);

  it('generates nothing for a repeated state and leaves the shadow as it is', async () => {
    const shadow = await h.pet(hiker.thing);
    const before = await h.imagesDrawn();
    await h.ask(hiker);
    expect(await h.imagesDrawn()).toBe(before);
    expect(await h.pet(hiker.thing)).toEqual(shadow);
  }, 60_000);

  it('gives a second pet with the same visual inputs the stored image without generating (a cache hit across pets)', async () => {
    // another thing, another state hash, another altitude and speed: the same mood, band, scene and persona
    const twin: PetFacts = { ...hiker, thing: 'avatar-twin', stateHash: 'bbbb000000000002', spoons: 5, environment: { altitudeM: 1800, speedKmh: 4.5 } };
    await h.show(twin);
    const before = await h.imagesDrawn();
    await h.ask(twin);
    expect(await h.imagesDrawn()).toBe(before);
    const [a, b] = [(await h.pet(hiker.thing)).avatar, (await h.pet(twin.thing)).avatar];
    expect(b?.key).toBe(a?.key);
    expect(verifyAvatarPng((await h.download(b!)).bytes, b!.hash).ok).toBe(true);
  }, 60_000);

  it('draws a new image when a visual input changes (the persona), and none for an older state the pet no longer shows', async () => {
    const warm = { ...hiker, persona: 'encouraging' as const };
    await h.show(warm);
    const before = await h.imagesDrawn();
    await h.ask(warm);
    expect(await h.imagesDrawn()).toBe(before + 1);
    expect((await h.pet(hiker.thing)).avatar?.hash).toBe(hashOf(warm));
    // the pet moved on to another state: a late request for an old one changes nothing
    const moved = { ...hiker, stateHash: 'cccc000000000003', mood: 'happy' as const, spoons: 10 };
    await h.show(moved);
    const shadow = await h.pet(hiker.thing);
    await h.ask({ ...hiker, mood: 'sick', stateHash: 'dddd000000000004' });
    expect(await h.imagesDrawn()).toBe(before + 1);
    expect(await h.pet(hiker.thing)).toEqual(shadow);
  }, 60_000);

  it('refuses an event that is not an avatar request, reporting it instead of retrying it', async () => {
    const before = h.stack.rules.listDeadLetters().length;
    await h.ask({ ...hiker, thing: 'bad/thing' });
    expect(h.stack.rules.listDeadLetters().length).toBe(before);
  }, 60_000);
});

describe('pulsepet-avatar when the image model fails', () => {
  it('on throttling, retried by Lambda, gives a faceless pet its mood’s default face and lets a pet keep the avatar it has', async () => {
    const h = await AvatarHarness.start(BedrockFaultsSchema.parse('throttle=1'));
    try {
      const faceless: PetFacts = { thing: 'avatar-throttled', stateHash: 'eeee000000000005', mood: 'stressed', spoons: 6, persona: 'encouraging', activity: 'stress' };
      await h.show(faceless);
      await h.ask(faceless);
      const { avatar } = await h.pet(faceless.thing);
      expect(avatar).toMatchObject(defaultFace('stressed'));
      const got = await h.download(avatar!);
      expect(verifyAvatarPng(got.bytes, avatar!.hash)).toMatchObject({ ok: true, width: 256 });
      expect(pngText(got.bytes)?.[LOCAL_IMAGE_TEXT_KEY]).toBeUndefined();
      // three attempts (the first and Lambda's two retries), each throttled, then the dead letter
      const letter = h.stack.rules.listDeadLetters().find((d) => d.failedResource.endsWith('pulsepet-avatar'));
      expect(letter).toMatchObject({ attempts: 3 });
      expect(letter?.errorMessage).toMatch(/throttled/);

      const generated = { key: avatarKey('1'.repeat(64)), url: 'http://127.0.0.1:1/pulsepet-avatars/avatars/x.png', hash: '1'.repeat(64) };
      const kept: PetFacts = { ...faceless, thing: 'avatar-kept', stateHash: 'ffff000000000006' };
      await h.show(kept, { avatar: generated });
      await h.ask(kept);
      expect((await h.pet(kept.thing)).avatar).toEqual(generated);
      expect(await h.imagesDrawn()).toBe(0);
    } finally {
      await h.close();
    }
  }, 120_000);

  it('when the content filters block the prompt, gives the default face at once and does not retry', async () => {
    const h = await AvatarHarness.start(BedrockFaultsSchema.parse('filtered=1'));
    try {
      const p: PetFacts = { thing: 'avatar-filtered', stateHash: '1111000000000007', mood: 'sleeping', spoons: 2, persona: 'strict', activity: 'rest' };
      await h.show(p);
      await h.ask(p);
      expect((await h.pet(p.thing)).avatar).toMatchObject(defaultFace('sleeping'));
      expect(h.stack.rules.listDeadLetters()).toEqual([]);
      // a state of another mood gets that mood's default face (a default face is not kept like a generated one)
      const calm = { ...p, stateHash: '1111000000000008', mood: 'calm' as const };
      await h.show(calm);
      await h.ask(calm);
      expect((await h.pet(p.thing)).avatar).toMatchObject(defaultFace('calm'));
    } finally {
      await h.close();
    }
  }, 120_000);
});
