import type { PetState } from '../../../protocol/shadows';
import type { PetEntry } from '../fleet-store';
import type { DailyView, ShadowRead } from '../shadow-documents';
import { h } from './dom';
import { energyBlock } from './energy';
import { ago, anomalyLines, clock, contributorText, dayAndClock, petSentence, SOURCE_LABEL, STRESS_LABEL, signed, stateTimes } from './format';
import { AvatarImages } from './pet-face';
import { petFigure } from './pet-figure';

/** The pet page's live parts: redrawn from the store whenever the pet's shadows change. */

function readiness(p: PetState): HTMLElement | undefined {
  if (!p.readiness) return undefined;
  const why = p.readiness.top.map((c) => h('li', { 'data-contributor': c.name }, h('span', { class: `effect ${c.effect >= 0 ? 'up' : 'down'}` }, signed(c.effect)), ` ${contributorText(c)}`));
  return h(
    'section',
    { class: 'readiness', 'aria-labelledby': 'readiness-title' },
    h('h2', { id: 'readiness-title' }, 'Readiness ', h('span', { class: 'score' }, String(p.readiness.score)), h('span', { class: 'muted' }, ' / 100')),
    why.length > 0 ? h('div', {}, h('h3', {}, 'Why'), h('ul', { class: 'why' }, ...why)) : h('p', { class: 'muted' }, 'No contributor stood out.'),
  );
}

/** The face (avatar image or SVG pet), what the pet says (with who worded it), energy and spoons, stress and readiness. */
export function petStateView(e: PetEntry, now: number, avatars: AvatarImages = new AvatarImages()): HTMLElement {
  if (!e.pet) return h('section', { class: 'pet-state' }, h('p', { class: 'muted' }, 'No state yet: the pet needs a few minutes of data from its device.'));
  if (!e.pet.ok) return h('section', { class: 'pet-state' }, h('p', { class: 'error' }, `The pet's state could not be read: ${e.pet.error}`));
  const p = e.pet.state;
  const sentence = petSentence(e.thing, p);
  const stress = p.stress ?? 'unknown';
  return h(
    'section',
    { class: `pet-state mood-${p.mood}`, 'data-mood': p.mood, 'data-updated-at': String(p.updatedAt ?? ''), 'aria-labelledby': 'state-title' },
    h('h2', { id: 'state-title', class: 'visually-hidden' }, 'How the pet feels'),
    h('div', { class: 'stage' }, avatars.face(p.avatar, petFigure(p.mood, p.animation, sentence, 180), sentence, 180)),
    h('p', { class: 'mood-line' }, h('strong', { class: 'mood' }, p.mood), p.calibrating ? h('span', { class: 'badge' }, 'calibrating: under three days of history') : null),
    h(
      'blockquote',
      { class: 'message' },
      h('p', { class: 'message-text' }, p.message),
      h('footer', {}, 'worded by ', h('span', { class: `source source-${p.source ?? 'unknown'}`, 'data-source': p.source ?? '' }, p.source ? SOURCE_LABEL[p.source] : 'an unknown coach'), p.persona ? ` · ${p.persona} persona` : ''),
    ),
    p.suggestion ? h('p', { class: 'suggestion' }, h('strong', {}, 'Try: '), p.suggestion) : null,
    energyBlock(p),
    h(
      'p',
      { class: `stress-line stress-${stress}` },
      h('strong', {}, 'Stress: '),
      h('span', { class: 'stress-state', 'data-stress': stress }, STRESS_LABEL[stress]),
      p.stressLevel !== undefined ? ` (level ${p.stressLevel}/100)` : '',
    ),
    readiness(p),
    stateLine(e.pet, now),
  );
}

/** When the state last changed and, when it is much older, the time of the data it was judged from. */
function stateLine(read: ShadowRead<PetState>, now: number): HTMLElement | null {
  const { changedAt, dataAt } = stateTimes(read);
  if (changedAt === undefined) return null;
  const changed = `State from ${clock(changedAt)} (${ago(changedAt, now)})`;
  return h(
    'p',
    { class: 'muted state-time', 'data-changed-at': String(changedAt) },
    dataAt === undefined ? `${changed}.` : `${changed}, judged from data of ${dayAndClock(dataAt)} (${ago(dataAt, now)}).`,
  );
}


function dailyFacts(d: DailyView): HTMLElement {
  const facts: Array<[string, string]> = [];
  if (d.steps !== undefined) facts.push(['Steps', String(d.steps)]);
  if (d.activeMin !== undefined) facts.push(['Active', `${d.activeMin} min`]);
  if (d.stressMin !== undefined) facts.push(['Stressed', `${d.stressMin} min`]);
  if (d.sleepMin !== undefined) facts.push(['Sleep', `${Math.floor(d.sleepMin / 60)} h ${d.sleepMin % 60} min`]);
  if (d.restingHrBpm !== undefined) facts.push(['Resting HR', `${Math.round(d.restingHrBpm)} bpm`]);
  return h('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** The latest daily summary: its explanation (with who worded it), the day's figures and anomalies. */
export function dailyView(e: PetEntry): HTMLElement {
  const section = h('section', { class: 'daily', 'aria-labelledby': 'daily-title' }, h('h2', { id: 'daily-title' }, 'The day'));
  if (!e.daily) {
    section.append(h('p', { class: 'muted' }, 'No daily summary yet: one is made each night from a whole day of data.'));
    return section;
  }
  if (!e.daily.ok) {
    section.append(h('p', { class: 'error' }, `The daily summary could not be read: ${e.daily.error}`));
    return section;
  }
  const d = e.daily.state;
  if (d.day) section.append(h('p', { class: 'muted' }, `Summary of ${d.day} (UTC).`));
  if (d.explanation) {
    const by = d.explanationSource === 'llm' ? 'LLM' : d.explanationSource === 'deterministic' ? 'template' : 'unknown';
    section.append(h('blockquote', { class: 'explanation' }, h('p', {}, d.explanation), h('footer', {}, `worded by the ${by}`)));
  }
  section.append(dailyFacts(d));
  const anomalies = d.anomalies ?? [];
  if (anomalies.length > 0) {
    section.append(
      h('h3', {}, 'Unusual for you'),
      h('ul', {}, ...anomalyLines(anomalies).map((line) => h('li', {}, line))),
    );
  }
  return section;
}
