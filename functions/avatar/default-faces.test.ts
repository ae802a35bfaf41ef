import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultFace } from '../../protocol/avatar';
import { pngText, verifyAvatarPng } from '../../protocol/avatar-png';
import { MOODS } from '../../protocol/shadows';
import { bundledDefaultFace } from './default-faces';
import { DEFAULT_FACE_SIZE, defaultFacesSource, GENERATED_FILE } from './render-default-faces';

describe('The bundled default faces', () => {
  it('are up to date with the drawing (else: npx tsx functions/avatar/render-default-faces.ts)', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(defaultFacesSource());
  });

  it.each(MOODS.map((m) => [m]))('has a whole PNG for %s, marked with its default-face hash and not marked local', (mood) => {
    const png = bundledDefaultFace(mood);
    expect(verifyAvatarPng(png, defaultFace(mood).hash)).toEqual({ ok: true, width: DEFAULT_FACE_SIZE, height: DEFAULT_FACE_SIZE });
    expect(Object.keys(pngText(png) ?? {})).toEqual(['pulsepet-avatar-hash']);
  });
});
