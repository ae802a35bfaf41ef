import { ANIMATIONS, type Animation, defaultAnimation } from '../../../protocol/coach';
import { PET_LOOKS, petNodes, type SvgNode } from '../../../protocol/pet-drawing';
import type { Mood } from '../../../protocol/shadows';
import { s } from './dom';

/**
 * The pet: the small round creature of protocol/pet-drawing.ts (a face and colour per
 * mood, the same drawing the avatar images start from) as SVG elements, with a CSS
 * animation per the coach's `animation` (styles.css; none under prefers-reduced-motion).
 * The figure is decorative for screen readers: its state is given as text by `label`
 * (role="img").
 */

function element(n: SvgNode | string): SVGElement | string {
  return typeof n === 'string' ? n : s(n.tag, n.attrs, ...(n.children ?? []).map(element));
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
      style: `--pet-body:${PET_LOOKS[mood].body}`,
    },
    ...petNodes(mood, 'var(--pet-body)').map(element),
  );
}
