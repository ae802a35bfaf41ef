/**
 * The image prompt (version AVATAR_PROMPT_VERSION): the visual inputs worded for a
 * text-to-image model, and the InvokeModel body of Amazon Nova Canvas's TEXT_IMAGE task
 * (https://docs.aws.amazon.com/nova/latest/userguide/image-gen-req-resp-structure.html;
 * Titan Image Generator v2 takes the same body). Each fact is stated as `Name: value`
 * before its description, following Nova Canvas's prompting guidance: say what the image
 * shows, keep what must not appear in `negativeText` rather than negating words in the
 * prompt. The seed comes from the hash, so a retry asks for the same picture.
 * Changing any wording here means raising AVATAR_PROMPT_VERSION (a new image per state).
 */
import type { AvatarVisualInputs, EnergyBand, Scene } from '../../protocol/avatar';
import type { Mood, Persona } from '../../protocol/shadows';

const SUBJECT = 'A cute round cartoon pet creature with two small pointed ears, centred, full body, flat vector sticker illustration, soft colours, clean simple shapes.';

const MOOD: Record<Mood, string> = {
  ecstatic: 'beaming, eyes squeezed shut with joy, wide open grin, little sparkles around it',
  happy: 'cheerful, bright round eyes, a warm smile',
  calm: 'relaxed and content, half-closed peaceful eyes, a soft smile',
  tired: 'drowsy, heavy eyelids, a flat mouth, slightly slumped',
  stressed: 'tense, wide worried eyes, a wobbly mouth, a drop of sweat',
  sick: 'unwell, dizzy swirly eyes, a small frown, a thermometer in its mouth',
  sleeping: 'fast asleep, closed eyes, a small round open mouth, floating z letters',
};

const ENERGY: Record<EnergyBand, string> = {
  empty: 'drained, a small battery icon showing empty',
  low: 'moving slowly, a small battery icon a quarter full',
  steady: 'steady, a small battery icon two thirds full',
  full: 'bouncy and lively, a small battery icon full',
};

const SCENE: Record<Scene, string> = {
  home: 'a cosy room with a warm wooden floor',
  rain: 'a rainy day, grey clouds and falling raindrops',
  snow: 'a snowy day, snowflakes falling',
  mountain: 'high in the mountains, snowy peaks behind',
  workout: 'on a running track, motion lines',
  ride: 'on a country road, bicycle wheels nearby',
  heat: 'a hot sunny day, a bright sun',
  cold: 'an icy cold day, icicles above',
};

const PERSONA: Record<Persona, string> = {
  strict: 'a small silver coach whistle nearby',
  encouraging: 'a small red heart nearby',
};

/** What the model is asked to leave out (Nova Canvas: 1–1024 characters). */
export const NEGATIVE_TEXT = 'text, letters, words, watermark, logo, photorealistic, human, scary, gore, blurry, distorted anatomy, extra limbs';

/** The prompt for these inputs (1–1024 characters, as Nova Canvas requires). */
export function imagePrompt(v: AvatarVisualInputs): string {
  return [
    SUBJECT,
    `Mood: ${v.mood} (${MOOD[v.mood]}).`,
    `Energy: ${v.energyBand} (${ENERGY[v.energyBand]}).`,
    `Scene: ${v.scene} (${SCENE[v.scene]}).`,
    `Persona: ${v.persona} (${PERSONA[v.persona]}).`,
  ].join(' ');
}

/** Seeds both Nova Canvas and Titan Image Generator accept (0–858,993,459). */
const SEED_RANGE = 858_993_460;

export interface ImageOptions {
  size: number;
  quality: 'standard' | 'premium';
}

/** The InvokeModel body (TEXT_IMAGE, one square image) for inputs named `hash`. */
export function imageRequestBody(v: AvatarVisualInputs, hash: string, o: ImageOptions): Record<string, unknown> {
  return {
    taskType: 'TEXT_IMAGE',
    textToImageParams: { text: imagePrompt(v), negativeText: NEGATIVE_TEXT },
    imageGenerationConfig: {
      numberOfImages: 1,
      width: o.size,
      height: o.size,
      quality: o.quality,
      cfgScale: 6.5,
      seed: Number.parseInt(hash.slice(0, 8), 16) % SEED_RANGE,
    },
  };
}
