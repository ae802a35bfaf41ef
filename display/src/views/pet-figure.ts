import { ANIMATIONS, type Animation, defaultAnimation } from '../../../protocol/coach';
import type { Mood } from '../../../protocol/shadows';
import { s } from './dom';

/**
 * The pet: a small round creature drawn in SVG, with a face and colour per mood and a
 * CSS animation per the coach's `animation` (styles.css; none under
 * prefers-reduced-motion). The figure is decorative for screen readers: its state is
 * given as text by `label` (role="img").
 */

interface Look {
  body: string;
  eyes: 'round' | 'happy' | 'half' | 'sleepy' | 'closed' | 'wide' | 'swirl';
  mouth: 'grin' | 'smile' | 'soft' | 'flat' | 'wavy' | 'frown' | 'o';
  extra?: 'sparkles' | 'sweat' | 'zzz' | 'thermo';
}

const LOOKS: Record<Mood, Look> = {
  ecstatic: { body: '#ffc940', eyes: 'happy', mouth: 'grin', extra: 'sparkles' },
  happy: { body: '#7bd389', eyes: 'round', mouth: 'smile' },
  calm: { body: '#6cc3d5', eyes: 'half', mouth: 'soft' },
  tired: { body: '#9aa8c7', eyes: 'sleepy', mouth: 'flat' },
  stressed: { body: '#f08a5d', eyes: 'wide', mouth: 'wavy', extra: 'sweat' },
  sick: { body: '#b5c99a', eyes: 'swirl', mouth: 'frown', extra: 'thermo' },
  sleeping: { body: '#9b8ce0', eyes: 'closed', mouth: 'o', extra: 'zzz' },
};

const INK = '#2b2d42';

const EYES: Record<Look['eyes'], (x: number) => SVGElement> = {
  round: (x) => s('circle', { cx: x, cy: 58, r: 6, fill: INK }),
  happy: (x) => s('path', { d: `M${x - 7} 60 Q${x} 50 ${x + 7} 60`, stroke: INK, 'stroke-width': 4, fill: 'none', 'stroke-linecap': 'round' }),
  half: (x) => s('path', { d: `M${x - 7} 57 Q${x} 64 ${x + 7} 57 Z`, fill: INK }),
  sleepy: (x) => s('g', {}, s('circle', { cx: x, cy: 60, r: 5, fill: INK }), s('rect', { x: x - 8, y: 50, width: 16, height: 8, fill: 'var(--pet-body)' })),
  closed: (x) => s('path', { d: `M${x - 7} 59 Q${x} 65 ${x + 7} 59`, stroke: INK, 'stroke-width': 3, fill: 'none', 'stroke-linecap': 'round' }),
  wide: (x) => s('g', {}, s('circle', { cx: x, cy: 57, r: 9, fill: '#fff', stroke: INK, 'stroke-width': 2 }), s('circle', { cx: x, cy: 57, r: 3, fill: INK })),
  swirl: (x) => s('path', { d: `M${x} 58 m-5 0 a5 5 0 1 0 5 -5 a3 3 0 1 0 3 3`, stroke: INK, 'stroke-width': 2.5, fill: 'none' }),
};

function eyes(kind: Look['eyes']): SVGElement[] {
  return [42, 78].map(EYES[kind]);
}

const MOUTHS: Record<Look['mouth'], string> = {
  grin: 'M44 74 Q60 96 76 74 Z',
  smile: 'M46 76 Q60 88 74 76',
  soft: 'M50 78 Q60 83 70 78',
  flat: 'M50 80 L70 80',
  wavy: 'M44 82 q4 -5 8 0 t8 0 t8 0 t8 0',
  frown: 'M48 84 Q60 74 72 84',
  o: 'M60 78 m-4 0 a4 4 0 1 0 8 0 a4 4 0 1 0 -8 0',
};

function mouth(kind: Look['mouth']): SVGElement {
  const filled = kind === 'grin' || kind === 'o';
  return s('path', {
    class: 'pet-mouth',
    d: MOUTHS[kind],
    stroke: INK,
    'stroke-width': 3,
    fill: filled ? INK : 'none',
    'stroke-linecap': 'round',
    'stroke-linejoin': 'round',
  });
}

function extra(kind: Look['extra']): SVGElement | undefined {
  switch (kind) {
    case 'sparkles':
      return s('g', { class: 'pet-sparkles', fill: '#ffb703' }, s('path', { d: 'M14 22 l3 7 7 3 -7 3 -3 7 -3 -7 -7 -3 7 -3 Z' }), s('path', { d: 'M100 14 l2 5 5 2 -5 2 -2 5 -2 -5 -5 -2 5 -2 Z' }));
    case 'sweat':
      return s('path', { class: 'pet-sweat', d: 'M94 34 q6 10 0 14 q-6 -4 0 -14 Z', fill: '#8ecae6', stroke: INK, 'stroke-width': 1 });
    case 'zzz':
      return s('text', { class: 'pet-zzz', x: 88, y: 26, 'font-size': 16, 'font-weight': 700, fill: INK }, 'z Z');
    case 'thermo':
      return s('g', {}, s('rect', { x: 66, y: 82, width: 30, height: 5, rx: 2.5, fill: '#fff', stroke: INK, 'stroke-width': 1.5, transform: 'rotate(-20 66 84)' }));
    default:
      return undefined;
  }
}

/** The animation class: the coach's choice when the display knows it, else the mood's default. */
export function animationOf(mood: Mood, animation: string | undefined): Animation {
  return (ANIMATIONS as readonly string[]).includes(animation ?? '') ? (animation as Animation) : defaultAnimation(mood);
}

/**
 * The pet figure for a mood and animation; `label` is its text alternative.
 * @example container.append(petFigure('stressed', 'wobble', 'pet-1 is stressed…'));
 */
export function petFigure(mood: Mood, animation: string | undefined, label: string, size = 120): SVGElement {
  const look = LOOKS[mood];
  const anim = animationOf(mood, animation);
  return s(
    'svg',
    {
      class: `pet-figure mood-${mood} anim-${anim}`,
      viewBox: '0 0 120 120',
      width: size,
      height: size,
      role: 'img',
      'aria-label': label,
      'data-mood': mood,
      'data-animation': anim,
      style: `--pet-body:${look.body}`,
    },
    s('ellipse', { class: 'pet-shadow', cx: 60, cy: 112, rx: 30, ry: 5, fill: '#0002' }),
    s(
      'g',
      { class: 'pet-body' },
      s('path', { d: 'M30 40 L26 16 L46 30 Z M90 40 L94 16 L74 30 Z', fill: 'var(--pet-body)', stroke: INK, 'stroke-width': 2.5, 'stroke-linejoin': 'round' }),
      s('ellipse', { cx: 60, cy: 66, rx: 42, ry: 40, fill: 'var(--pet-body)', stroke: INK, 'stroke-width': 2.5 }),
      s('ellipse', { cx: 32, cy: 74, rx: 6, ry: 4, fill: '#ff8fa3', opacity: mood === 'sick' ? 0 : 0.6 }),
      s('ellipse', { cx: 88, cy: 74, rx: 6, ry: 4, fill: '#ff8fa3', opacity: mood === 'sick' ? 0 : 0.6 }),
      ...eyes(look.eyes),
      mouth(look.mouth),
      extra(look.extra),
    ),
  );
}
