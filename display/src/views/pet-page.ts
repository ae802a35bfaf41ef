import { PERSONAS, type Persona } from '../../../protocol/shadows';
import type { FleetStore } from '../fleet-store';
import { errorText, type FleetSync } from '../fleet-sync';
import { chartWindow, sql, stressSpans, vitalsSeries } from '../history';
import type { DisplaySession } from '../aws-session';
import { stressChart, vitalsChart } from './charts';
import { h } from './dom';
import { ago, dayAndClock, petSentence } from './format';
import { AvatarImages } from './pet-face';
import { dailyView, petStateView } from './pet-state';

/** How far back the charts look. */
export const CHART_HOURS = 6;
/** Charts are read again at most this often while live changes arrive. */
const CHART_REFRESH_MS = 5_000;

/**
 * One pet's page: the live state (figure, message and its source, energy and spoons,
 * stress, readiness and why), the persona switch, HR/HRV and stress over the last hours
 * from the store, and the latest daily summary. Screen readers hear a change of mood
 * or message through a polite live region.
 */
export class PetPage {
  readonly root: HTMLElement;
  private readonly state: HTMLElement;
  private readonly daily: HTMLElement;
  private readonly charts: HTMLElement;
  private readonly chartsTitle: HTMLElement;
  private readonly announce: HTMLElement;
  private readonly personaStatus: HTMLElement;
  private readonly personaForm: HTMLFormElement;
  private disposeCharts: Array<() => void> = [];
  private chartTimer: ReturnType<typeof setTimeout> | undefined;
  private lastSentence = '';
  private lastStress: string | undefined;
  /** the switch shows the persona the coach last used (the `config` shadow's was not readable) */
  private personaFromPet = false;
  /** the latest data time the charts were last read for (undefined: not read yet, or read without one) */
  private chartsLatest: number | undefined;

  constructor(
    readonly thing: string,
    private readonly store: FleetStore,
    private readonly sync: FleetSync,
    private readonly session: DisplaySession,
    private readonly avatars: AvatarImages = new AvatarImages(),
    private readonly now: () => number = Date.now,
  ) {
    this.state = h('div', { class: 'live-state' });
    this.daily = h('div');
    this.charts = h('div', { class: 'charts' });
    this.chartsTitle = h('h2', { id: 'history-title' }, `The last ${CHART_HOURS} hours`);
    this.announce = h('p', { class: 'visually-hidden', 'aria-live': 'polite', role: 'status' });
    this.personaStatus = h('p', { class: 'persona-status', role: 'status' });
    this.personaForm = this.personaSwitch();
    this.root = h(
      'article',
      { class: 'pet-page', 'data-thing': thing, 'aria-labelledby': 'pet-title' },
      h('p', {}, h('a', { href: '#/' }, '← All pets')),
      h('h1', { id: 'pet-title' }, thing),
      this.announce,
      this.state,
      h('section', { class: 'persona', 'aria-labelledby': 'persona-title' }, h('h2', { id: 'persona-title' }, 'Coach persona'), this.personaForm, this.personaStatus),
      h('section', { 'aria-labelledby': 'history-title' }, this.chartsTitle, this.charts),
      this.daily,
    );
    this.update();
    // unless update() already read them for a pet whose time it knew
    if (this.chartsLatest === undefined) void this.loadCharts();
    void this.loadPersona();
  }

  /** The store changed for this pet: redraw the live parts; new stress or a new state time → the charts again (debounced). */
  update(): void {
    const e = this.store.get(this.thing);
    const entry = e ?? { thing: this.thing };
    this.state.replaceChildren(petStateView(entry, this.now(), this.avatars));
    this.daily.replaceChildren(dailyView(entry));
    if (e?.pet?.ok) {
      const sentence = petSentence(this.thing, e.pet.state);
      if (this.lastSentence && sentence !== this.lastSentence) this.announce.textContent = sentence;
      this.lastSentence = sentence;
      if (this.lastStress !== undefined && e.pet.state.stress !== this.lastStress) this.scheduleCharts();
      this.lastStress = e.pet.state.stress;
      // the pet's time moved (or became known after the charts were first read): they follow it
      const latest = this.latestData();
      if (latest !== this.chartsLatest) {
        if (this.chartsLatest === undefined) void this.loadCharts();
        else this.scheduleCharts();
      }
      if (this.personaFromPet) this.showPetPersona();
    }
  }

  /** The switch at the persona the coach last worded this pet's message in (its `pet` shadow). */
  private showPetPersona(): void {
    const e = this.store.get(this.thing);
    const used = e?.pet?.ok ? e.pet.state.persona : undefined;
    this.checkPersona(used);
    this.personaStatus.textContent = used ? '' : 'No persona set: the coach is encouraging by default.';
  }

  dispose(): void {
    clearTimeout(this.chartTimer);
    for (const d of this.disposeCharts) d();
  }

  private scheduleCharts(): void {
    if (this.chartTimer !== undefined) return;
    this.chartTimer = setTimeout(() => {
      this.chartTimer = undefined;
      void this.loadCharts();
    }, CHART_REFRESH_MS);
  }

  private async loadCharts(): Promise<void> {
    const db = this.session.config.database;
    const now = this.now();
    this.chartsLatest = this.latestData();
    const w = chartWindow(now, this.chartsLatest, CHART_HOURS);
    try {
      const [vitals, stress] = await Promise.all([this.sync.query(sql.vitals(db, this.thing, w)), this.sync.query(sql.stress(db, this.thing, w))]);
      for (const d of this.disposeCharts) d();
      const upTo = `${CHART_HOURS} hours up to ${dayAndClock(w.to)} (${ago(w.to, now)})`;
      const span = w.live ? `the last ${CHART_HOURS} hours` : `the ${upTo}, when the pet's state was judged`;
      this.chartsTitle.textContent = w.live ? `The last ${CHART_HOURS} hours` : upTo;
      const v = vitalsChart(vitalsSeries(vitals), span);
      const st = stressChart(stressSpans(stress, w.from, w.to), w.from, w.to, span);
      this.disposeCharts = [v.dispose, st.dispose];
      this.charts.replaceChildren(h('h3', {}, 'Heart rate and HRV'), v.el, h('h3', {}, 'Stress, as the pet was told'), st.el);
    } catch (e) {
      this.charts.replaceChildren(h('p', { class: 'error' }, `The history could not be read: ${errorText(e)}`));
    }
  }

  /**
   * When the data the page explains was measured: the time of the pet's state (the end of
   * the newest minute its reasoning judged), else the newest sample the history knows of.
   */
  private latestData(): number | undefined {
    const e = this.store.get(this.thing);
    const stateAt = e?.pet?.ok ? e.pet.state.updatedAt : undefined;
    return stateAt ?? e?.lastSampleAt;
  }

  private personaSwitch(): HTMLFormElement {
    const options = PERSONAS.map((p) =>
      h('label', { class: 'persona-option' }, h('input', { type: 'radio', name: 'persona', value: p, disabled: true }), ` ${p === 'strict' ? 'Strict' : 'Encouraging'}`),
    );
    const form = h('form', { class: 'persona-switch' }, h('fieldset', {}, h('legend', {}, 'How the coach speaks to this wearer'), ...options));
    form.addEventListener('change', (ev) => {
      const input = ev.target as HTMLInputElement;
      if (input.name === 'persona' && (PERSONAS as readonly string[]).includes(input.value)) void this.setPersona(input.value as Persona);
    });
    form.addEventListener('submit', (ev) => ev.preventDefault());
    return form;
  }

  private checkPersona(p: Persona | undefined): void {
    this.personaForm.querySelectorAll<HTMLInputElement>('input[name=persona]').forEach((input) => {
      input.disabled = false;
      input.checked = input.value === (p ?? 'encouraging');
    });
  }

  private async loadPersona(): Promise<void> {
    try {
      const p = await this.sync.persona(this.thing);
      // the display's role may not read the `config` shadow: then the pet says which persona its coach used
      this.personaFromPet = p === undefined;
      if (p === undefined) this.showPetPersona();
      else {
        this.checkPersona(p);
        this.personaStatus.textContent = '';
      }
    } catch (e) {
      this.checkPersona(undefined);
      this.personaStatus.textContent = `The persona could not be read: ${errorText(e)}`;
    }
  }

  private async setPersona(p: Persona): Promise<void> {
    this.personaStatus.textContent = 'Saving…';
    this.personaFromPet = false;
    try {
      await this.sync.setPersona(this.thing, p);
      this.personaStatus.textContent = `Saved: the coach words its next message ${p === 'strict' ? 'strictly' : 'encouragingly'}.`;
    } catch (e) {
      this.personaStatus.textContent = `Not saved: ${errorText(e)}`;
      await this.loadPersona();
    }
  }
}
