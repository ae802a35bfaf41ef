/**
 * Durable shadow storage: one DurableMap (JSON-lines journal) keyed by
 * `thing \u0000 shadowName` ('' for the classic shadow). A deleted shadow leaves a
 * tombstone with its last version so that re-creating it continues that version,
 * as AWS does within 48 hours of the delete:
 * https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-data-flow.html
 */
import { join } from 'node:path';
import type { FsyncPolicy } from '../../common/fsync-policy';
import { DurableMap } from '../../common/journal';
import type { StoredShadow } from './shadow-document';

/** AWS keeps a deleted shadow's version for 48 hours. */
export const TOMBSTONE_TTL_MS = 48 * 3600 * 1000;

interface Tombstone {
  deleted: true;
  version: number;
  /** epoch ms */
  deletedAt: number;
}

type ShadowRecord = StoredShadow | Tombstone;

function isTombstone(r: ShadowRecord): r is Tombstone {
  return (r as Tombstone).deleted === true;
}

function keyOf(thing: string, name: string | undefined): string {
  return `${thing}\u0000${name ?? ''}`;
}

/** Options of {@link ShadowStore.open}. */
export interface ShadowStoreOptions {
  /** journal entries between snapshot compactions */
  compactEvery?: number;
  /** when an update counts as stored (common/fsync-policy.ts); default {@link DEFAULT_SHADOW_FSYNC} */
  fsync?: FsyncPolicy;
}

/**
 * Shadow updates are acknowledged once written to the journal (which survives
 * kill -9 of the server) and fsync'd within a second (which bounds what power
 * loss or an OS crash can take); `always` acknowledges after fsync instead.
 */
export const DEFAULT_SHADOW_FSYNC: FsyncPolicy = Object.freeze({ kind: 'interval', ms: 1000 });

/**
 * @example
 * const store = ShadowStore.open(dataDir);
 * await store.put('pet-1', 'pet', next); // resolves once stored (see DEFAULT_SHADOW_FSYNC)
 */
export class ShadowStore {
  /** thing → named shadow names that currently exist (classic excluded) */
  private readonly named = new Map<string, Set<string>>();

  private constructor(private readonly map: DurableMap<ShadowRecord>) {
    for (const [k, v] of map.entries()) {
      if (isTombstone(v)) continue;
      const [thing, name] = k.split('\u0000') as [string, string];
      if (name !== '') this.index(thing, name);
    }
  }

  /** Opens (or creates) the store under `{dataDir}/shadows/`. */
  static open(dataDir: string, opts: ShadowStoreOptions = {}): ShadowStore {
    const map = DurableMap.open<ShadowRecord>(join(dataDir, 'shadows'), 'shadows', {
      fsync: opts.fsync ?? DEFAULT_SHADOW_FSYNC,
      ...(opts.compactEvery === undefined ? {} : { compactEvery: opts.compactEvery }),
    });
    return new ShadowStore(map);
  }

  /** The live shadow, or undefined if it never existed or was deleted. */
  get(thing: string, name: string | undefined): StoredShadow | undefined {
    const r = this.map.get(keyOf(thing, name));
    return r === undefined || isTombstone(r) ? undefined : r;
  }

  /** Version a re-created shadow continues from: a recent tombstone's, else 0. */
  baseVersion(thing: string, name: string | undefined, nowMs: number): number {
    const r = this.map.get(keyOf(thing, name));
    if (r === undefined) return 0;
    if (!isTombstone(r)) return r.version;
    return nowMs - r.deletedAt <= TOMBSTONE_TTL_MS ? r.version : 0;
  }

  /** When {@link put} and {@link remove} resolve. */
  get fsync(): FsyncPolicy {
    return this.map.fsync;
  }

  /** Stores the shadow in memory at once; resolves when it is stored as the fsync policy says. */
  put(thing: string, name: string | undefined, shadow: StoredShadow): Promise<void> {
    if (name !== undefined) this.index(thing, name);
    return this.map.set(keyOf(thing, name), shadow);
  }

  /** Replaces the shadow with a tombstone keeping `version`; resolves like {@link put}. */
  remove(thing: string, name: string | undefined, version: number, nowMs: number): Promise<void> {
    if (name !== undefined) {
      const s = this.named.get(thing);
      s?.delete(name);
      if (s?.size === 0) this.named.delete(thing);
    }
    return this.map.set(keyOf(thing, name), { deleted: true, version, deletedAt: nowMs });
  }

  /** Names of the thing's existing named shadows, sorted. */
  namedShadows(thing: string): string[] {
    return [...(this.named.get(thing) ?? [])].sort();
  }

  /** Resolves when every change so far is fsync'd, whatever the policy. */
  flush(): Promise<void> {
    return this.map.flush();
  }

  close(): void {
    this.map.close();
  }

  private index(thing: string, name: string): void {
    let s = this.named.get(thing);
    if (!s) {
      s = new Set();
      this.named.set(thing, s);
    }
    s.add(name);
  }
}
