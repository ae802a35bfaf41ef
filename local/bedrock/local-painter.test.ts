import { describe, expect, it } from 'vitest';
import { renderAvatarPng } from '../../common/avatar-render';
import { LOCAL_IMAGE_TEXT_KEY, pngText } from '../../protocol/avatar-png';
import type { ImageJob } from './image-shapes';
import { paint, promptFacts } from './local-painter';

const job = (over: Partial<ImageJob> = {}): ImageJob => ({
  text: 'A pet. Mood: tired. Energy: low. Scene: mountain. Persona: strict.',
  width: 1024,
  height: 1024,
  quality: 'standard',
  cfgScale: 6.5,
  seed: 3,
  numberOfImages: 1,
  ...over,
});

describe('paint', () => {
  it('draws the same bytes as the synchronous renderer, labelled as the local stand-in', async () => {
    const [b64] = await paint(job({ width: 256, height: 256 }));
    const png = new Uint8Array(Buffer.from(b64 ?? '', 'base64'));
    const facts = promptFacts(job().text);
    const text = { [LOCAL_IMAGE_TEXT_KEY]: 'drawn by the local Bedrock stand-in from the prompt; not an image model', 'pulsepet-facts': 'mood=tired energy=low scene=mountain persona=strict seed=3 image=1' };
    expect(Buffer.from(png).equals(Buffer.from(renderAvatarPng({ ...facts, variant: 3, local: true }, 256, text, 256)))).toBe(true);
    expect(pngText(png)?.[LOCAL_IMAGE_TEXT_KEY]).toMatch(/local Bedrock stand-in/);
  });

  it('leaves the event loop free while it draws', async () => {
    // four 1024-pixel pictures: about 130 ms of drawing, which a synchronous render would
    // do without letting a single timer run
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const images = await paint(job({ numberOfImages: 4 }));
    clearInterval(timer);
    expect(images).toHaveLength(4);
    expect(new Set(images).size).toBe(4);
    expect(ticks).toBeGreaterThan(0);
  });
});
