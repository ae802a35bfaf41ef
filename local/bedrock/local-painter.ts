/**
 * The local stand-in's "image model": not a model at all. It reads the facts an image
 * prompt states (`Mood: tired`, `Energy: low`, `Scene: mountain`, `Persona: strict`,
 * as functions/avatar words them) and draws the pet of protocol/pet-drawing.ts in that
 * scene, rasterized with resvg. Every image carries a visible LOCAL band and a PNG tEXt
 * chunk `pulsepet-local` saying what it is. Deterministic: the same prompt, size and seed
 * give the same bytes.
 */
import { renderAvatarPngAsync } from '../../common/avatar-render';
import { ENERGY_BANDS, type EnergyBand, SCENES, type Scene } from '../../protocol/avatar';
import { LOCAL_IMAGE_TEXT_KEY } from '../../protocol/avatar-png';
import type { AvatarSceneFacts } from '../../protocol/avatar-scene';
import { MOODS, type Mood, PERSONAS, type Persona } from '../../protocol/shadows';
import type { ImageJob } from './image-shapes';

const LABEL = 'drawn by the local Bedrock stand-in from the prompt; not an image model';

function fact<T extends string>(text: string, name: string, options: readonly T[]): T | undefined {
  const m = new RegExp(`\\b${name}\\s*:\\s*([a-z]+)`, 'i').exec(text);
  const v = m?.[1]?.toLowerCase();
  return options.find((o) => o === v);
}

/** The facts a prompt states; a mood named anywhere counts when no `Mood:` is given; calm otherwise. */
export function promptFacts(text: string): Omit<AvatarSceneFacts, 'variant' | 'local'> {
  const mood: Mood = fact(text, 'mood', MOODS) ?? MOODS.find((m) => new RegExp(`\\b${m}\\b`, 'i').test(text)) ?? 'calm';
  const energyBand: EnergyBand | undefined = fact(text, 'energy', ENERGY_BANDS);
  const scene: Scene | undefined = fact(text, 'scene', SCENES);
  const persona: Persona | undefined = fact(text, 'persona', PERSONAS);
  return { mood, ...(energyBand ? { energyBand } : {}), ...(scene ? { scene } : {}), ...(persona ? { persona } : {}) };
}

/** The job's images as base64 PNGs (as Nova Canvas answers them), drawn off the event loop. */
export function paint(job: ImageJob): Promise<string[]> {
  const facts = promptFacts(job.text);
  return Promise.all(
    Array.from({ length: job.numberOfImages }, async (_, i) => {
      const variant = (job.seed + i) % 7;
      const described = `mood=${facts.mood} energy=${facts.energyBand ?? '-'} scene=${facts.scene ?? '-'} persona=${facts.persona ?? '-'} seed=${job.seed} image=${i + 1}`;
      const png = await renderAvatarPngAsync({ ...facts, variant, local: true }, job.width, { [LOCAL_IMAGE_TEXT_KEY]: LABEL, 'pulsepet-facts': described }, job.height);
      return Buffer.from(png).toString('base64');
    }),
  );
}
