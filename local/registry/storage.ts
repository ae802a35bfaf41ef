import { DurableMap } from '../../common/journal';
import { PulsepetError } from '../../protocol/errors';

/**
 * The key/value maps the registry and its stores keep their records in: the part
 * of {@link DurableMap} they use. Reads are synchronous; a write changes memory at
 * once and its promise resolves when it is as durable as the storage makes it.
 */
export interface RegistryMap<V> {
  readonly size: number;
  get(key: string): V | undefined;
  has(key: string): boolean;
  values(): IterableIterator<V>;
  entries(): IterableIterator<[string, V]>;
  set(key: string, value: V): Promise<void>;
  delete(key: string): Promise<void>;
  flush(): Promise<void>;
  close(): void;
}

/** Where the registry opens its maps, by name ('things', 'certificates', …). */
export interface RegistryStorage {
  open<V>(name: string): RegistryMap<V>;
}

/** One change to one map; `value` absent means the key was deleted. */
export interface MapChange {
  map: string;
  key: string;
  value?: unknown;
}

/** Every map's contents by map name, as `[key, record]` pairs in the map's order. Plain JSON data. */
export type RegistrySnapshot = Record<string, [string, unknown][]>;

/** Durable maps in `dir`: `{dir}/{name}.snapshot.json` + `{dir}/{name}.journal`. */
export function durableStorage(dir: string): RegistryStorage {
  return { open: <V>(name: string) => DurableMap.open<V>(dir, name) };
}

/** In-memory maps whose writes resolve at once, plus a synchronous way to apply replicated changes. */
export interface MemoryStorage extends RegistryStorage {
  /** Applies changes in order to the named maps (opening a map that does not exist yet). */
  apply(changes: readonly MapChange[]): void;
}

/**
 * In-memory storage, optionally seeded with a {@link RegistrySnapshot}. Opening the
 * same name again returns the same map, so a registry rebuilt over this storage
 * sees every change applied to it.
 */
export function memoryStorage(initial: RegistrySnapshot = {}): MemoryStorage {
  const maps = new Map<string, MemoryMap<unknown>>();
  for (const [name, entries] of Object.entries(initial)) maps.set(name, new MemoryMap(entries));
  const mapNamed = (name: string): MemoryMap<unknown> => {
    let m = maps.get(name);
    if (!m) {
      m = new MemoryMap<unknown>([]);
      maps.set(name, m);
    }
    return m;
  };
  return {
    open: <V>(name: string) => mapNamed(name) as RegistryMap<V>,
    apply(changes) {
      for (const c of changes) {
        const m = mapNamed(c.map);
        // `value` absent (also after a JSON round trip of `undefined`) is a delete.
        if (c.value === undefined) m.data.delete(c.key);
        else m.data.set(c.key, c.value);
      }
    },
  };
}

class MemoryMap<V> implements RegistryMap<V> {
  readonly data: Map<string, V>;
  constructor(entries: Iterable<[string, V]>) {
    this.data = new Map(entries);
  }
  get size(): number {
    return this.data.size;
  }
  get(key: string): V | undefined {
    return this.data.get(key);
  }
  has(key: string): boolean {
    return this.data.has(key);
  }
  values(): IterableIterator<V> {
    return this.data.values();
  }
  entries(): IterableIterator<[string, V]> {
    return this.data.entries();
  }
  set(key: string, value: V): Promise<void> {
    this.data.set(key, value);
    return Promise.resolve();
  }
  delete(key: string): Promise<void> {
    this.data.delete(key);
    return Promise.resolve();
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
}

/**
 * Reports every change made through the maps it opens, synchronously and before the
 * inner map takes it, so changes arrive in the order they were made. A failed
 * write never reaches a map (the stores validate first), so it is never reported.
 * Deleting a key that is not there is not a change and is not reported.
 *
 * @example
 * const storage = observedStorage(durableStorage(dir), (c) => child.send(c));
 */
export function observedStorage(inner: RegistryStorage, onChange: (c: MapChange) => void): RegistryStorage {
  return {
    open<V>(name: string): RegistryMap<V> {
      const m = inner.open<V>(name);
      return {
        get size() {
          return m.size;
        },
        get: (key) => m.get(key),
        has: (key) => m.has(key),
        values: () => m.values(),
        entries: () => m.entries(),
        set(key, value) {
          onChange({ map: name, key, value });
          return m.set(key, value);
        },
        delete(key) {
          if (m.has(key)) onChange({ map: name, key });
          return m.delete(key);
        },
        flush: () => m.flush(),
        close: () => m.close(),
      };
    },
  };
}

/** Remembers the maps opened through it, by name, so their contents can be snapshotted. */
export class RecordingStorage implements RegistryStorage {
  private readonly opened = new Map<string, RegistryMap<unknown>>();

  constructor(private readonly inner: RegistryStorage) {}

  open<V>(name: string): RegistryMap<V> {
    if (this.opened.has(name)) throw new PulsepetError('PP_ERR_INTERNAL', `registry map '${name}' opened twice`);
    const m = this.inner.open<V>(name);
    this.opened.set(name, m as RegistryMap<unknown>);
    return m;
  }

  /** Every opened map's current contents; the values are the stored records themselves, not copies. */
  snapshot(): RegistrySnapshot {
    const out: RegistrySnapshot = {};
    for (const [name, m] of this.opened) out[name] = [...m.entries()];
    return out;
  }

  /** Flushes every opened map. */
  async flush(): Promise<void> {
    await Promise.all([...this.opened.values()].map((m) => m.flush()));
  }

  /** Closes every opened map. */
  close(): void {
    for (const m of this.opened.values()) m.close();
  }
}
