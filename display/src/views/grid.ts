import type { FleetStore, PetEntry } from '../fleet-store';
import { h } from './dom';
import { ago, percent, STRESS_LABEL, stateTimes } from './format';
import { AvatarImages } from './pet-face';
import { petFigure } from './pet-figure';

/**
 * The fleet grid: one card per pet with its name, mood, energy, stress, when its state
 * last changed and whether its device is connected. A card is replaced when its pet
 * changes; the rest stay as they are.
 */
export class FleetGrid {
  readonly root: HTMLElement;
  private readonly list: HTMLElement;
  private readonly status: HTMLElement;
  private readonly cards = new Map<string, HTMLElement>();

  constructor(
    private readonly store: FleetStore,
    private readonly avatars: AvatarImages = new AvatarImages(),
    private readonly now: () => number = Date.now,
  ) {
    this.status = h('p', { class: 'grid-status', role: 'status' });
    this.list = h('ul', { class: 'grid', 'aria-label': 'Pets' });
    this.root = h('section', { class: 'fleet', 'aria-labelledby': 'fleet-title' }, h('h1', { id: 'fleet-title' }, 'Pets'), this.status, this.list);
    this.renderAll();
  }

  /** The store changed: one pet, or the whole fleet (undefined). */
  update(thing: string | undefined): void {
    if (thing === undefined || !this.cards.has(thing)) this.renderAll();
    else this.swap(thing);
  }

  /** Rewrites the relative times ("2 min ago") in place: no card is rebuilt. */
  tick(): void {
    const now = this.now();
    this.list.querySelectorAll<HTMLElement>('[data-ago]').forEach((el) => {
      el.textContent = ago(Number(el.dataset.ago), now);
    });
  }

  private swap(thing: string): void {
    const entry = this.store.get(thing);
    const old = this.cards.get(thing);
    if (!entry || !old) return;
    const card = petCard(entry, this.now(), this.avatars);
    old.replaceWith(card);
    this.cards.set(thing, card);
  }

  private renderAll(): void {
    const pets = this.store.list();
    this.status.textContent = this.store.loadError ?? (!this.store.loaded ? 'Loading the pets…' : pets.length === 0 ? 'No pets yet: a pet appears once its device has sent data.' : `${pets.length} pet${pets.length === 1 ? '' : 's'}`);
    this.cards.clear();
    const now = this.now();
    this.list.replaceChildren(
      ...pets.map((p) => {
        const card = petCard(p, now, this.avatars);
        this.cards.set(p.thing, card);
        return card;
      }),
    );
  }
}

/** A relative time that {@link FleetGrid.tick} keeps current. */
function agoText(at: number, now: number): HTMLElement {
  return h('time', { datetime: new Date(at).toISOString(), 'data-ago': at }, ago(at, now));
}

function presenceLine(e: PetEntry, now: number): HTMLElement {
  if (!e.presence) return h('p', { class: 'presence presence-unknown' }, 'device connection unknown');
  const p = e.presence;
  return h('p', { class: `presence presence-${p.connected ? 'up' : 'down'}` }, `device ${p.connected ? 'connected' : 'disconnected'} `, agoText(p.at, now));
}

/** One pet's card (a list item whose heading links to the pet page), with a small avatar when the pet has one. */
export function petCard(e: PetEntry, now: number, avatars: AvatarImages = new AvatarImages()): HTMLElement {
  const href = `#/pet/${encodeURIComponent(e.thing)}`;
  const heading = h('h2', {}, h('a', { href }, e.thing));
  const li = h('li', { class: 'card', 'data-thing': e.thing });
  if (!e.pet) {
    li.append(heading, h('p', { class: 'muted' }, 'No state yet: the pet needs a few minutes of data.'));
  } else if (!e.pet.ok) {
    li.append(heading, h('p', { class: 'error' }, `State unreadable: ${e.pet.error}`));
  } else {
    const p = e.pet.state;
    const { changedAt, dataAt } = stateTimes(e.pet);
    li.dataset.mood = p.mood;
    li.dataset.updatedAt = String(p.updatedAt ?? '');
    li.append(
      h('div', { class: 'card-figure', 'aria-hidden': 'true' }, avatars.face(p.avatar, petFigure(p.mood, p.animation, '', 72), '', 72)),
      heading,
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Mood'),
        h('dd', { class: 'mood' }, p.mood),
        h('dt', {}, 'Energy'),
        h('dd', {}, h('meter', { min: 0, max: 1, value: p.energy, 'aria-label': `Energy ${percent(p.energy)}` }), ` ${percent(p.energy)}`),
        h('dt', {}, 'Stress'),
        h('dd', { class: `stress stress-${p.stress ?? 'unknown'}` }, STRESS_LABEL[p.stress ?? 'unknown']),
        h('dt', {}, 'Updated'),
        h('dd', { class: 'updated' }, changedAt !== undefined ? agoText(changedAt, now) : 'unknown', dataAt !== undefined ? h('span', { class: 'data-age' }, ' · data from ', agoText(dataAt, now)) : null),
      ),
    );
  }
  li.append(presenceLine(e, now));
  return li;
}
