import type { PetState } from '../../../protocol/shadows';
import { h, s } from './dom';
import { percent } from './format';

export const SPOONS_MAX = 12;

function spoon(filled: boolean): SVGElement {
  return s(
    'svg',
    { class: `spoon${filled ? ' spoon-full' : ''}`, viewBox: '0 0 12 28', width: 12, height: 28, 'aria-hidden': 'true' },
    s('ellipse', { cx: 6, cy: 6, rx: 5, ry: 5.5 }),
    s('rect', { x: 4.75, y: 10, width: 2.5, height: 17, rx: 1.2 }),
  );
}

/** Energy as a meter with its percentage, and the day's spoons as 12 spoons (filled = left). */
export function energyBlock(p: Pick<PetState, 'energy' | 'spoons'>): HTMLElement {
  const pct = percent(p.energy);
  const block = h(
    'div',
    { class: 'energy' },
    h('div', { class: 'energy-row' }, h('span', { class: 'label', 'aria-hidden': 'true' }, 'Energy'), h('meter', { min: 0, max: 1, low: 0.3, high: 0.7, optimum: 1, value: p.energy, 'aria-label': `Energy ${pct}` }, pct), h('span', { class: 'value' }, pct)),
  );
  if (p.spoons !== undefined) {
    const n = Math.max(0, Math.min(SPOONS_MAX, p.spoons));
    const row = h('div', { class: 'spoons', role: 'img', 'aria-label': `${n} of ${SPOONS_MAX} spoons left` });
    for (let i = 0; i < SPOONS_MAX; i++) row.append(spoon(i < n));
    block.append(h('div', { class: 'energy-row' }, h('span', { class: 'label' }, 'Spoons'), row, h('span', { class: 'value' }, `${n}/${SPOONS_MAX}`)));
  }
  return block;
}
