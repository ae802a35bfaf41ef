import { GetThingShadowCommand, ResourceNotFoundException, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import type { Persona } from '../../protocol/shadows';
import { CONFIG_SHADOW, DAILY_SHADOW, PET_SHADOW, shadowTopic } from '../../protocol/topics';
import { type DisplaySession, withFreshCredentials } from './aws-session';
import type { FleetStore } from './fleet-store';
import { fleetRows, presenceRows, queryRows, sql } from './history';
import { parseShadowPayload, readDaily, readPet, shadowChangeOf } from './shadow-documents';

/** The live topics: every pet's `pet` and `daily` shadow documents (`+` = any thing). */
export const LIVE_FILTERS = [shadowTopic('+', PET_SHADOW, 'update', 'documents'), shadowTopic('+', DAILY_SHADOW, 'update', 'documents')] as const;

/** At most this many shadow reads in flight while the fleet loads. */
const READ_CONCURRENCY = 8;
/** After a live pet change, presence is read again once this much later (changes in between share the read). */
const PRESENCE_AFTER_CHANGE_MS = 3_000;

/**
 * Keeps the store in step with AWS: the fleet from history, each pet's shadows read
 * once (again after a reconnect: what changed while away), then every change pushed
 * over MQTT. No polling.
 */
export class FleetSync {
  private presenceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly session: DisplaySession,
    private readonly store: FleetStore,
  ) {}

  /** The fleet list and presence from history, then every pet's shadows. */
  async load(): Promise<void> {
    const db = this.session.config.database;
    try {
      const [fleet, presence] = await Promise.all([this.query(sql.fleet(db)), this.query(sql.presence(db))]);
      this.store.setFleet(fleetRows(fleet), presenceRows(presence));
    } catch (e) {
      this.store.failLoad(`the pet list could not be read: ${errorText(e)}`);
      return;
    }
    await this.readAll();
  }

  /** Reads every known pet's shadows and presence (after a reconnect: what was missed while offline). */
  async readAll(): Promise<void> {
    this.presenceSoon();
    const things = this.store.list().map((p) => p.thing);
    let next = 0;
    const worker = async () => {
      while (next < things.length) {
        const thing = things[next++];
        if (thing !== undefined) await this.readPet(thing);
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, things.length) }, worker));
  }

  /** One pet's `pet` and `daily` shadows over HTTP (GetThingShadow). */
  async readPet(thing: string): Promise<void> {
    const [pet, daily] = await Promise.all([this.getShadow(thing, PET_SHADOW), this.getShadow(thing, DAILY_SHADOW)]);
    if (pet === undefined) this.store.touch(thing);
    else if ('error' in pet) this.store.applyPet(thing, { ok: false, error: pet.error, version: -1 });
    else this.store.applyPet(thing, readPet(pet));
    if (daily !== undefined && !('error' in daily)) this.store.applyDaily(thing, readDaily(daily));
  }

  /** A live message: a `pet` or `daily` documents message goes to the store; anything else is ignored. */
  onMessage(topic: string, payload: Uint8Array): void {
    const change = shadowChangeOf(topic, payload);
    if (!change) return;
    if (change.shadow === 'pet') {
      if (this.store.applyPet(change.thing, change.read)) this.presenceSoon();
    } else this.store.applyDaily(change.thing, change.read);
  }

  /**
   * The display may not watch presence topics, so the connection column is read from
   * history: at load, after a reconnect, and a few seconds after pets change (a device
   * that sends data is usually one that just connected). Never on a timer.
   */
  private presenceSoon(): void {
    if (this.presenceTimer !== undefined) return;
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = undefined;
      this.query(sql.presence(this.session.config.database)).then(
        (rows) => this.store.setPresence(presenceRows(rows)),
        () => undefined, // the column keeps what it showed; the next change tries again
      );
    }, PRESENCE_AFTER_CHANGE_MS);
  }

  /** The persona switch: `desired.persona` of the pet's `config` shadow, nothing else. */
  async setPersona(thing: string, persona: Persona): Promise<void> {
    const payload = new TextEncoder().encode(JSON.stringify({ state: { desired: { persona } } }));
    await withFreshCredentials(this.session, () => this.session.iotData.send(new UpdateThingShadowCommand({ thingName: thing, shadowName: CONFIG_SHADOW, payload })));
  }

  /** The `config` shadow's persona (desired wins over reported), or undefined when none is set. */
  async persona(thing: string): Promise<Persona | undefined> {
    const doc = await this.getShadow(thing, CONFIG_SHADOW);
    if (doc === undefined || 'error' in doc) return undefined;
    for (const side of [doc.state?.desired, doc.state?.reported]) {
      const p = (side as { persona?: unknown } | undefined)?.persona;
      if (p === 'strict' || p === 'encouraging') return p;
    }
    return undefined;
  }

  /** A history query (every page of it), with the session's current client. */
  query(queryString: string) {
    return withFreshCredentials(this.session, () => queryRows(this.session.query, queryString));
  }

  private async getShadow(thing: string, shadowName: string) {
    try {
      const out = await withFreshCredentials(this.session, () => this.session.iotData.send(new GetThingShadowCommand({ thingName: thing, shadowName })));
      return parseShadowPayload(out.payload ?? new Uint8Array());
    } catch (e) {
      if (e instanceof ResourceNotFoundException) return undefined;
      return { error: `${shadowName} shadow: ${errorText(e)}` };
    }
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
}
