/**
 * A whole avatar picture as SVG markup: the pet of protocol/pet-drawing.ts in its scene,
 * with its energy band and the coach persona as small marks. The local Bedrock stand-in
 * draws its images with it (from the prompt's facts, marked LOCAL), and so are the
 * default faces the avatar function falls back to. Deterministic: the same facts and
 * variant give the same markup.
 */
import type { EnergyBand, Scene } from './avatar';
import { node, PET_INK, PET_LOOKS, petNodes, type SvgNode, svgMarkup } from './pet-drawing';
import type { Mood, Persona } from './shadows';

export interface AvatarSceneFacts {
  mood: Mood;
  energyBand?: EnergyBand;
  scene?: Scene;
  persona?: Persona;
  /** 0, 1, 2…: a slightly different sky for each image of one request */
  variant?: number;
  /** a visible LOCAL band: the picture is the stand-in's drawing, not a model's image */
  local?: boolean;
}

const SKY: Record<Scene, string> = {
  home: '#f4efe6',
  rain: '#b8c4d6',
  snow: '#e6eef7',
  mountain: '#cde7f5',
  workout: '#fdebd3',
  ride: '#d9f0e3',
  heat: '#ffe6a8',
  cold: '#d6ecf7',
};

function sceneNodes(scene: Scene): SvgNode[] {
  switch (scene) {
    case 'rain':
      return [
        node('ellipse', { cx: 30, cy: 16, rx: 20, ry: 8, fill: '#8a97ab' }),
        node('ellipse', { cx: 92, cy: 12, rx: 22, ry: 8, fill: '#8a97ab' }),
        node('path', { d: 'M14 30 l-3 8 M28 28 l-3 8 M100 26 l-3 8 M112 32 l-3 8 M8 50 l-3 8 M114 52 l-3 8', stroke: '#4a6fa5', 'stroke-width': 2, 'stroke-linecap': 'round' }),
      ];
    case 'snow':
      return [0, 1, 2, 3, 4, 5].map((i) => node('circle', { cx: 10 + i * 20, cy: 12 + ((i * 17) % 30), r: 2.5, fill: '#fff', stroke: '#9fb3c8', 'stroke-width': 0.8 }));
    case 'mountain':
      return [
        node('path', { d: 'M-4 96 L28 34 L60 96 Z M50 96 L88 24 L126 96 Z', fill: '#8fa7b8' }),
        node('path', { d: 'M28 34 L20 50 L36 50 Z M88 24 L79 41 L97 41 Z', fill: '#fff' }),
      ];
    case 'workout':
      return [node('rect', { x: 0, y: 100, width: 120, height: 20, fill: '#e07a5f' }), node('path', { d: 'M0 108 H120 M0 114 H120', stroke: '#fff', 'stroke-width': 1 }), node('path', { d: 'M4 50 h12 M2 60 h14 M4 70 h12', stroke: '#c9ada7', 'stroke-width': 2.5, 'stroke-linecap': 'round' })];
    case 'ride':
      return [node('rect', { x: 0, y: 102, width: 120, height: 18, fill: '#6b705c' }), node('circle', { cx: 16, cy: 92, r: 10, fill: 'none', stroke: PET_INK, 'stroke-width': 2 }), node('circle', { cx: 104, cy: 92, r: 10, fill: 'none', stroke: PET_INK, 'stroke-width': 2 })];
    case 'heat':
      return [node('circle', { cx: 102, cy: 18, r: 12, fill: '#ffb703' }), node('path', { d: 'M102 0 v3 M102 33 v3 M84 18 h3 M117 18 h3', stroke: '#ffb703', 'stroke-width': 2.5 })];
    case 'cold':
      return [node('path', { d: 'M0 0 H120 V4 L112 14 L104 4 L96 12 L88 4 L24 4 L16 12 L8 4 L0 10 Z', fill: '#fff', stroke: '#9fc5e8', 'stroke-width': 1 })];
    default:
      return [node('rect', { x: 0, y: 104, width: 120, height: 16, fill: '#d9c8b4' })];
  }
}

const BARS: Record<EnergyBand, number> = { empty: 0, low: 1, steady: 2, full: 3 };

/** A small battery in the top-left corner, one bar per band above empty. */
function energyNodes(band: EnergyBand): SvgNode {
  const bars = Array.from({ length: BARS[band] }, (_, i) => node('rect', { x: 6 + i * 5, y: 7, width: 4, height: 6, fill: band === 'low' ? '#f4a261' : '#2a9d8f' }));
  return node('g', { class: 'avatar-energy' }, node('rect', { x: 4, y: 5, width: 17, height: 10, rx: 1.5, fill: '#fff', stroke: PET_INK, 'stroke-width': 1.2 }), node('rect', { x: 21, y: 8, width: 2, height: 4, fill: PET_INK }), ...bars);
}

/** The coach persona as a mark: a whistle for the strict coach, a heart for the encouraging friend. */
function personaNode(persona: Persona): SvgNode {
  return persona === 'strict'
    ? node('g', { class: 'avatar-persona' }, node('circle', { cx: 110, cy: 110, r: 5, fill: '#adb5bd', stroke: PET_INK, 'stroke-width': 1.2 }), node('path', { d: 'M105 108 h-6', stroke: PET_INK, 'stroke-width': 1.5 }))
    : node('path', { class: 'avatar-persona', d: 'M110 116 l-6 -6 a3.5 3.5 0 0 1 6 -4 a3.5 3.5 0 0 1 6 4 Z', fill: '#e63946' });
}

/** "LOCAL" in strokes on a band along the bottom (the stand-in's images say what they are). */
function localBand(): SvgNode {
  const letters = 'M0 0 V7 H4 M7 0 H11 V7 H7 Z M18 0 H14 V7 H18 M21 7 V0 H25 V7 M21 3.5 H25 M28 0 V7 H32';
  return node(
    'g',
    { class: 'avatar-local' },
    node('rect', { x: 0, y: 0, width: 44, height: 13, fill: PET_INK, opacity: 0.85 }),
    node('path', { d: letters, transform: 'translate(5 3)', stroke: '#fff', 'stroke-width': 1.4, fill: 'none', 'stroke-linejoin': 'round' }),
  );
}

/** Shifts a #rrggbb colour's channels by a few steps per variant, so images of one request differ. */
function tint(hex: string, variant: number): string {
  if (variant === 0) return hex;
  const n = Number.parseInt(hex.slice(1), 16);
  const shift = (c: number, k: number) => Math.max(0, Math.min(255, c - ((variant * 9 * k) % 40)));
  const [r, g, b] = [shift(n >> 16, 1), shift((n >> 8) & 0xff, 2), shift(n & 0xff, 3)];
  return `#${((r << 16) | (g << 8) | b).toString(16).padStart(6, '0')}`;
}

/**
 * The avatar picture as standalone SVG markup, `width` × `height` pixels (the square
 * picture centred in a wider or taller one).
 * @example avatarSceneSvg({ mood: 'tired', energyBand: 'low', scene: 'mountain', persona: 'strict', local: true }, 512)
 */
export function avatarSceneSvg(f: AvatarSceneFacts, width: number, height: number = width): string {
  const scene = f.scene ?? 'home';
  const pet = node('g', { transform: 'translate(14 16) scale(0.78)' }, ...petNodes(f.mood, PET_LOOKS[f.mood].body));
  const root = node(
    'svg',
    { xmlns: 'http://www.w3.org/2000/svg', viewBox: '0 0 120 120', width, height },
    node('rect', { x: 0, y: 0, width: 120, height: 120, fill: tint(SKY[scene], f.variant ?? 0) }),
    ...sceneNodes(scene),
    pet,
    f.energyBand === undefined ? undefined : energyNodes(f.energyBand),
    f.persona === undefined ? undefined : personaNode(f.persona),
    f.local ? node('g', { transform: 'translate(0 107)' }, localBand()) : undefined,
  );
  return svgMarkup(root);
}
