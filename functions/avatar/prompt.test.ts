import { describe, expect, it } from 'vitest';
import { promptFacts } from '../../local/bedrock/local-painter';
import { AVATAR_DEFAULT_MODEL_ID, type AvatarVisualInputs, avatarHash, ENERGY_BANDS, SCENES } from '../../protocol/avatar';
import { MOODS, PERSONAS } from '../../protocol/shadows';
import { imagePrompt, imageRequestBody, NEGATIVE_TEXT } from './prompt';

const every: AvatarVisualInputs[] = MOODS.flatMap((mood) =>
  ENERGY_BANDS.flatMap((energyBand) => SCENES.flatMap((scene) => PERSONAS.map((persona) => ({ mood, energyBand, scene, persona, modelId: AVATAR_DEFAULT_MODEL_ID, promptVersion: 1 })))),
);

describe('The image prompt', () => {
  it('fits Nova Canvas’s 1–1024 characters and states every visual input as Name: value, for all 448 combinations', () => {
    expect(every).toHaveLength(448);
    for (const v of every) {
      const text = imagePrompt(v);
      expect(text.length).toBeLessThanOrEqual(1024);
      // the local painter reads the same facts back
      expect(promptFacts(text)).toEqual({ mood: v.mood, energyBand: v.energyBand, scene: v.scene, persona: v.persona });
    }
    expect(NEGATIVE_TEXT.length).toBeLessThanOrEqual(1024);
  });

  it('asks for one square image of the configured size, seeded by the hash so a retry asks for the same picture', () => {
    const v = every[17] as AvatarVisualInputs;
    const hash = avatarHash(v);
    const body = imageRequestBody(v, hash, { size: 512, quality: 'standard' });
    expect(body).toEqual({
      taskType: 'TEXT_IMAGE',
      textToImageParams: { text: imagePrompt(v), negativeText: NEGATIVE_TEXT },
      imageGenerationConfig: { numberOfImages: 1, width: 512, height: 512, quality: 'standard', cfgScale: 6.5, seed: Number.parseInt(hash.slice(0, 8), 16) % 858_993_460 },
    });
    expect(imageRequestBody(v, hash, { size: 512, quality: 'standard' })).toEqual(body);
  });
});
