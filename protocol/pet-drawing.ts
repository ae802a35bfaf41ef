/**
 * The pet as a drawing: a small round creature with a face, colour and extra per mood,
 * described as plain SVG nodes (no DOM). The display renders the nodes as elements
 * (display/src/views/pet-figure.ts, with its CSS animations); protocol/avatar-scene.ts
 * serializes them into a whole picture with a scene, which the local Bedrock stand-in
 * and the default faces rasterize into PNGs. One drawing, so every face of the pet
 * looks alike. Coordinates are in a 120 × 120 viewBox.
 */
import type { Mood } from './shadows';

/** One SVG element: its tag, attributes and children (text is a string child). */
export interface SvgNode {
  tag: string;
  attrs: Readonly<Record<string, string | number>>;
  children?: ReadonlyArray<SvgNode | string>;
}

export const node = (tag: string, attrs: SvgNode['attrs'] = {}, ...children: Array<SvgNode | string | undefined>): SvgNode => {
  const kept = children.filter((c): c is SvgNode | string => c !== undefined);
  return kept.length > 0 ? { tag, attrs, children: kept } : { tag, attrs };
};

export interface PetLook {
  body: string;
  eyes: 'round' | 'happy' | 'half' | 'sleepy' | 'closed' | 'wide' | 'swirl';
  mouth: 'grin' | 'smile' | 'soft' | 'flat' | 'wavy' | 'frown' | 'o';
  extra?: 'sparkles' | 'sweat' | 'zzz' | 'thermo';
}

/** The look of each mood. */
export const PET_LOOKS: Readonly<Record<Mood, PetLook>> = {
  ecstatic: { body: '#ffc940', eyes: 'happy', mouth: 'grin', extra: 'sparkles' },
  happy: { body: '#7bd389', eyes: 'round', mouth: 'smile' },
  calm: { body: '#6cc3d5', eyes: 'half', mouth: 'soft' },
  tired: { body: '#9aa8c7', eyes: 'sleepy', mouth: 'flat' },
  stressed: { body: '#f08a5d', eyes: 'wide', mouth: 'wavy', extra: 'sweat' },
  sick: { body: '#b5c99a', eyes: 'swirl', mouth: 'frown', extra: 'thermo' },
  sleeping: { body: '#9b8ce0', eyes: 'closed', mouth: 'o', extra: 'zzz' },
};

export const PET_INK = '#2b2d42';
const INK = PET_INK;

const EYES: Record<PetLook['eyes'], (x: number, bodyFill: string) => SvgNode> = {
  round: (x) => node('circle', { cx: x, cy: 58, r: 6, fill: INK }),
  happy: (x) => node('path', { d: `M${x - 7} 60 Q${x} 50 ${x + 7} 60`, stroke: INK, 'stroke-width': 4, fill: 'none', 'stroke-linecap': 'round' }),
  half: (x) => node('path', { d: `M${x - 7} 57 Q${x} 64 ${x + 7} 57 Z`, fill: INK }),
  sleepy: (x, bodyFill) => node('g', {}, node('circle', { cx: x, cy: 60, r: 5, fill: INK }), node('rect', { x: x - 8, y: 50, width: 16, height: 8, fill: bodyFill })),
  closed: (x) => node('path', { d: `M${x - 7} 59 Q${x} 65 ${x + 7} 59`, stroke: INK, 'stroke-width': 3, fill: 'none', 'stroke-linecap': 'round' }),
  wide: (x) => node('g', {}, node('circle', { cx: x, cy: 57, r: 9, fill: '#fff', stroke: INK, 'stroke-width': 2 }), node('circle', { cx: x, cy: 57, r: 3, fill: INK })),
  swirl: (x) => node('path', { d: `M${x} 58 m-5 0 a5 5 0 1 0 5 -5 a3 3 0 1 0 3 3`, stroke: INK, 'stroke-width': 2.5, fill: 'none' }),
};

const MOUTHS: Record<PetLook['mouth'], string> = {
  grin: 'M44 74 Q60 96 76 74 Z',
  smile: 'M46 76 Q60 88 74 76',
  soft: 'M50 78 Q60 83 70 78',
  flat: 'M50 80 L70 80',
  wavy: 'M44 82 q4 -5 8 0 t8 0 t8 0 t8 0',
  frown: 'M48 84 Q60 74 72 84',
  o: 'M60 78 m-4 0 a4 4 0 1 0 8 0 a4 4 0 1 0 -8 0',
};

function mouth(kind: PetLook['mouth']): SvgNode {
  const filled = kind === 'grin' || kind === 'o';
  return node('path', {
    class: 'pet-mouth',
    d: MOUTHS[kind],
    stroke: INK,
    'stroke-width': 3,
    fill: filled ? INK : 'none',
    'stroke-linecap': 'round',
    'stroke-linejoin': 'round',
  });
}

/** The sleeping pet's "z Z", drawn as strokes (a rasterizer may have no fonts). */
const ZZZ = 'M86 16 h6 l-6 7 h6 M96 8 h9 l-9 11 h9';

function extra(kind: PetLook['extra']): SvgNode | undefined {
  switch (kind) {
    case 'sparkles':
      return node(
        'g',
        { class: 'pet-sparkles', fill: '#ffb703' },
        node('path', { d: 'M14 22 l3 7 7 3 -7 3 -3 7 -3 -7 -7 -3 7 -3 Z' }),
        node('path', { d: 'M100 14 l2 5 5 2 -5 2 -2 5 -2 -5 -5 -2 5 -2 Z' }),
      );
    case 'sweat':
      return node('path', { class: 'pet-sweat', d: 'M94 34 q6 10 0 14 q-6 -4 0 -14 Z', fill: '#8ecae6', stroke: INK, 'stroke-width': 1 });
    case 'zzz':
      return node('path', { class: 'pet-zzz', d: ZZZ, stroke: INK, 'stroke-width': 2.5, fill: 'none', 'stroke-linecap': 'round', 'stroke-linejoin': 'round' });
    case 'thermo':
      return node('g', {}, node('rect', { x: 66, y: 82, width: 30, height: 5, rx: 2.5, fill: '#fff', stroke: INK, 'stroke-width': 1.5, transform: 'rotate(-20 66 84)' }));
    default:
      return undefined;
  }
}

/**
 * The pet's nodes for a mood: its shadow on the ground and the body group (ears, body,
 * cheeks, eyes, mouth, the mood's extra). `bodyFill` is the body colour as the renderer
 * wants it (the display passes a CSS variable; a rasterizer the colour itself).
 */
export function petNodes(mood: Mood, bodyFill: string = PET_LOOKS[mood].body): SvgNode[] {
  const look = PET_LOOKS[mood];
  const cheeks = mood === 'sick' ? 0 : 0.6;
  return [
    node('ellipse', { class: 'pet-shadow', cx: 60, cy: 112, rx: 30, ry: 5, fill: '#0002' }),
    node(
      'g',
      { class: 'pet-body' },
      node('path', { d: 'M30 40 L26 16 L46 30 Z M90 40 L94 16 L74 30 Z', fill: bodyFill, stroke: INK, 'stroke-width': 2.5, 'stroke-linejoin': 'round' }),
      node('ellipse', { cx: 60, cy: 66, rx: 42, ry: 40, fill: bodyFill, stroke: INK, 'stroke-width': 2.5 }),
      node('ellipse', { cx: 32, cy: 74, rx: 6, ry: 4, fill: '#ff8fa3', opacity: cheeks }),
      node('ellipse', { cx: 88, cy: 74, rx: 6, ry: 4, fill: '#ff8fa3', opacity: cheeks }),
      EYES[look.eyes](42, bodyFill),
      EYES[look.eyes](78, bodyFill),
      mouth(look.mouth),
      extra(look.extra),
    ),
  ];
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The node as SVG markup (attribute values and text escaped). */
export function svgMarkup(n: SvgNode | string): string {
  if (typeof n === 'string') return escapeXml(n);
  const attrs = Object.entries(n.attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
  const children = n.children ?? [];
  return children.length === 0 ? `<${n.tag}${attrs}/>` : `<${n.tag}${attrs}>${children.map(svgMarkup).join('')}</${n.tag}>`;
}
