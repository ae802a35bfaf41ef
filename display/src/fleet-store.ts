import type { PetState } from '../../protocol/shadows';
import type { Presence } from './history';
import type { DailyView, ShadowRead } from './shadow-documents';

/** Everything the display knows of one pet. */
export interface PetEntry {
  thing: string;
  pet?: ShadowRead<PetState>;
  daily?: ShadowRead<DailyView>;
  /** the device's latest connect/disconnect event */
  presence?: Presence;
  /** its latest stored sample (ms) */
  lastSampleAt?: number;
  /** when this page received the pet state it shows (ms) */
  receivedAt?: number;
}

export type StoreListener = (thing: string | undefined) => void;

/**
 * The one place the page's pet state lives: views read it and are told which pet
 * changed (undefined: the whole fleet). A shadow read older than the one held (its
 * version is lower: an HTTP read raced a live update, or MQTT delivered twice) is ignored.
 */
export class FleetStore {
  private readonly pets = new Map<string, PetEntry>();
  private readonly listeners = new Set<StoreListener>();
  /** set once the fleet list has been read */
  loaded = false;
  /** why the fleet could not be read, shown instead of the grid */
  loadError: string | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  list(): PetEntry[] {
    return [...this.pets.values()].sort((a, b) => a.thing.localeCompare(b.thing));
  }

  get(thing: string): PetEntry | undefined {
    return this.pets.get(thing);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds pets the history knows of (keeps what is known of each). */
  setFleet(rows: ReadonlyArray<{ thing: string; lastSampleAt?: number }>, presence: ReadonlyMap<string, Presence>): void {
    for (const r of rows) {
      const e = this.entry(r.thing);
      if (r.lastSampleAt !== undefined) e.lastSampleAt = Math.max(e.lastSampleAt ?? 0, r.lastSampleAt);
    }
    this.mergePresence(presence);
    this.loaded = true;
    this.loadError = undefined;
    this.emit(undefined);
  }

  /** Newer presence events of known pets (clients that are not pets, such as display pages, are left out). */
  setPresence(presence: ReadonlyMap<string, Presence>): void {
    for (const thing of this.mergePresence(presence)) this.emit(thing);
  }

  private mergePresence(presence: ReadonlyMap<string, Presence>): string[] {
    const changed: string[] = [];
    for (const [thing, p] of presence) {
      const e = this.pets.get(thing);
      if (!e || (e.presence !== undefined && (e.presence.at > p.at || (e.presence.at === p.at && e.presence.connected === p.connected)))) continue;
      e.presence = p;
      changed.push(thing);
    }
    return changed;
  }

  failLoad(reason: string): void {
    this.loadError = reason;
    this.emit(undefined);
  }

  /** A pet's state (from a read or a live change); returns false when it was older than the one held. */
  applyPet(thing: string, read: ShadowRead<PetState>): boolean {
    const e = this.entry(thing);
    if (!newer(e.pet, read)) return false;
    e.pet = read;
    e.receivedAt = this.now();
    this.emit(thing);
    return true;
  }

  applyDaily(thing: string, read: ShadowRead<DailyView>): boolean {
    const e = this.entry(thing);
    if (!newer(e.daily, read)) return false;
    e.daily = read;
    this.emit(thing);
    return true;
  }

  /** A pet whose shadow does not exist (a device that never had a verdict): kept in the list as "no state yet". */
  touch(thing: string): void {
    this.entry(thing);
  }

  private entry(thing: string): PetEntry {
    let e = this.pets.get(thing);
    if (!e) {
      e = { thing };
      this.pets.set(thing, e);
    }
    return e;
  }

  private emit(thing: string | undefined): void {
    for (const l of this.listeners) l(thing);
  }
}

/** A read replaces the held one unless the held one is of a later version (a failed live read has version -1: always shown). */
function newer<T>(held: ShadowRead<T> | undefined, read: ShadowRead<T>): boolean {
  return held === undefined || read.version < 0 || read.version >= held.version;
}
