import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AVATAR_DEFAULT_MODEL_ID,
  AVATAR_PROMPT_VERSION,
  AvatarRefSchema,
  AvatarRequestSchema,
  type AvatarVisualInputs,
  avatarHash,
  avatarKey,
  canonicalVisualInputs,
  defaultFace,
  energyBandOf,
  sceneOf,
  visualInputsOf,
} from './avatar';
import { AVATAR_HASH_TEXT_KEY, crc32, pngText, readPng, verifyAvatarPng, withPngText } from './avatar-png';
import { avatarSceneSvg } from './avatar-scene';
import { PetStateSchema } from './shadows';

const INPUTS: AvatarVisualInputs = { mood: 'tired', energyBand: 'low', scene: 'mountain', persona: 'strict', modelId: AVATAR_DEFAULT_MODEL_ID, promptVersion: 1 };

/** A 1×1 PNG (IHDR, IDAT, IEND), built here so the reader is checked against bytes it did not make. */
function tinyPng(): Uint8Array {
  const chunk = (type: string, data: number[]) => {
    const td = Uint8Array.from([...type].map((c) => c.charCodeAt(0)).concat(data));
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.set(td, 4);
    out.writeUInt32BE(crc32(td), 8 + data.length);
    return out;
  };
  const ihdr = [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0];
  const idat = [0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01];
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', [])]);
}

describe('Function: avatarHash', () => {
  it('is SHA-256 hex of the inputs as JSON with sorted keys and no whitespace', () => {
    const canonical = '{"energyBand":"low","modelId":"amazon.nova-canvas-v1:0","mood":"tired","persona":"strict","promptVersion":1,"scene":"mountain"}';
    expect(canonicalVisualInputs(INPUTS)).toBe(canonical);
    expect(avatarHash(INPUTS)).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('does not depend on the order the inputs were written in, and changes with every input', () => {
    const reordered = { promptVersion: 1, scene: 'mountain', persona: 'strict', mood: 'tired', modelId: AVATAR_DEFAULT_MODEL_ID, energyBand: 'low' } as const;
    expect(avatarHash(reordered)).toBe(avatarHash(INPUTS));
    const variants: AvatarVisualInputs[] = [
      { ...INPUTS, mood: 'calm' },
      { ...INPUTS, energyBand: 'full' },
      { ...INPUTS, scene: 'home' },
      { ...INPUTS, persona: 'encouraging' },
      { ...INPUTS, modelId: 'amazon.titan-image-generator-v2:0' },
      { ...INPUTS, promptVersion: 2 },
    ];
    expect(new Set([INPUTS, ...variants].map(avatarHash)).size).toBe(7);
  });

  it('refuses inputs outside the contract', () => {
    expect(() => avatarHash({ ...INPUTS, mood: 'grumpy' } as unknown as AvatarVisualInputs)).toThrow();
    expect(() => avatarHash({ ...INPUTS, thing: 'pet-1' } as unknown as AvatarVisualInputs)).toThrow();
  });

  it('names the image avatars/{hash}.png; default faces are content-addressed the same way', () => {
    expect(avatarKey('ab'.repeat(32))).toBe(`avatars/${'ab'.repeat(32)}.png`);
    const face = defaultFace('sick');
    expect(face.key).toBe(avatarKey(face.hash));
    expect(face.hash).not.toBe(defaultFace('happy').hash);
  });
});

describe('Function: visualInputsOf / sceneOf / energyBandOf', () => {
  it('bands the energy budget', () => {
    expect([0, 2, 3, 5, 6, 8, 9, 12].map(energyBandOf)).toEqual(['empty', 'empty', 'low', 'low', 'steady', 'steady', 'full', 'full']);
  });

  it('derives the scene, the weather first, then altitude, activity, temperature', () => {
    expect(sceneOf({ weather: 'light rain', altitudeM: 2000 }, 'exercise')).toBe('rain');
    expect(sceneOf({ weather: 'Snow showers' }, 'rest')).toBe('snow');
    expect(sceneOf({ weather: 'snow' }, 'rest')).toBe('snow');
    expect(sceneOf({ altitudeM: 1650, speedKmh: 4 }, 'exercise')).toBe('mountain');
    expect(sceneOf({ speedKmh: 24 }, 'exercise')).toBe('ride');
    expect(sceneOf({ speedKmh: 11 }, 'exercise')).toBe('workout');
    expect(sceneOf({ ambientTempC: 33 }, 'rest')).toBe('heat');
    expect(sceneOf({ ambientTempC: -4 }, 'stress')).toBe('cold');
    expect(sceneOf({ weather: 'clear', altitudeM: 300 }, 'rest')).toBe('home');
    expect(sceneOf(undefined, undefined)).toBe('home');
  });

  it('keeps only what decides the look: two pets in the same state get the same inputs', () => {
    const a = visualInputsOf({ mood: 'happy', spoons: 10, activity: 'exercise', persona: 'encouraging', environment: { speedKmh: 10, altitudeM: 40 } }, AVATAR_DEFAULT_MODEL_ID);
    const b = visualInputsOf({ mood: 'happy', spoons: 9.4, activity: 'exercise', persona: 'encouraging', environment: { speedKmh: 12, ambientTempC: 18 } }, AVATAR_DEFAULT_MODEL_ID);
    expect(a).toEqual({ mood: 'happy', energyBand: 'full', scene: 'workout', persona: 'encouraging', modelId: AVATAR_DEFAULT_MODEL_ID, promptVersion: AVATAR_PROMPT_VERSION });
    expect(avatarHash(a)).toBe(avatarHash(b));
  });
});

describe('The pet shadow avatar contract', () => {
  const hash = avatarHash(INPUTS);
  const ref = { key: avatarKey(hash), url: `http://127.0.0.1:9/pulsepet-avatars/${avatarKey(hash)}?X-Amz-Signature=abc`, hash };

  it('accepts desired.avatar {key, url, hash} in the pet state', () => {
    expect(PetStateSchema.parse({ mood: 'tired', energy: 0.3, message: 'rest', avatar: ref }).avatar).toEqual(ref);
  });

  it.each([
    ['a key that is not avatars/{hash}.png', { ...ref, key: avatarKey('0'.repeat(64)) }],
    ['a hash that is not 64 hex digits', { ...ref, hash: 'ABC' }],
    ['a URL that is not http(s)', { ...ref, url: 'file:///etc/passwd' }],
    ['an extra member', { ...ref, expires: 1 }],
  ])('refuses %s', (_what, bad) => {
    expect(AvatarRefSchema.safeParse(bad).success).toBe(false);
    expect(PetStateSchema.safeParse({ mood: 'tired', energy: 0.3, message: 'rest', avatar: bad }).success).toBe(false);
  });

  it('validates the avatar function’s event', () => {
    const ok = { kind: 'avatar', v: 1, thing: 'pet-1', stateHash: 'abc', mood: 'calm', spoons: 7, activity: 'rest', persona: 'strict', environment: { altitudeM: 10 }, at: 1 };
    expect(AvatarRequestSchema.parse(ok)).toEqual(ok);
    expect(AvatarRequestSchema.safeParse({ ...ok, thing: 'a/b' }).success).toBe(false);
    expect(AvatarRequestSchema.safeParse({ ...ok, spoons: 13 }).success).toBe(false);
  });
});

describe('Function: verifyAvatarPng', () => {
  const hash = 'a'.repeat(64);
  const marked = withPngText(tinyPng(), { [AVATAR_HASH_TEXT_KEY]: hash, other: 'x' });

  it('accepts an intact PNG that names the hash, and reads its size and text', () => {
    expect(verifyAvatarPng(marked, hash)).toEqual({ ok: true, width: 1, height: 1 });
    expect(pngText(marked)).toEqual({ [AVATAR_HASH_TEXT_KEY]: hash, other: 'x' });
    expect(pngText(withPngText(marked, { other: 'y' }))).toEqual({ [AVATAR_HASH_TEXT_KEY]: hash, other: 'y' });
  });

  it.each([
    ['a truncated download', (b: Uint8Array) => b.subarray(0, b.length - 5), /IEND|truncated/],
    ['a flipped byte', (b: Uint8Array) => Uint8Array.from(b, (x, i) => (i === 40 ? x ^ 1 : x)), /CRC/],
    ['bytes after IEND', (b: Uint8Array) => Buffer.concat([b, Buffer.from('junk')]), /after IEND/],
    ['not a PNG', () => new TextEncoder().encode('<html>403</html>'), /signature/],
  ])('refuses %s', (_what, damage, reason) => {
    const r = verifyAvatarPng(damage(marked), hash);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(reason);
  });

  it('refuses an intact image of another avatar, or one without the mark', () => {
    expect(verifyAvatarPng(marked, 'b'.repeat(64))).toMatchObject({ ok: false, reason: expect.stringMatching(/not b/) });
    expect(verifyAvatarPng(tinyPng(), hash)).toMatchObject({ ok: false, reason: expect.stringMatching(/no pulsepet-avatar-hash/) });
    expect(readPng(tinyPng())).toMatchObject({ ok: true, width: 1, height: 1 });
  });
});

describe('Function: avatarSceneSvg', () => {
  it('draws the mood, band, scene and persona, and the LOCAL band only when asked', () => {
    const svg = avatarSceneSvg({ mood: 'sleeping', energyBand: 'full', scene: 'snow', persona: 'strict', local: true }, 256);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 120 120" width="256" height="256">/);
    expect(svg).toContain('#9b8ce0');
    expect(svg).toContain('class="avatar-local"');
    expect(svg).toContain('class="pet-zzz"');
    expect(avatarSceneSvg({ mood: 'calm' }, 64)).not.toContain('avatar-local');
  });
});
