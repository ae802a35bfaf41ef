import { mergeShadowState, type ShadowSection } from '../../protocol/shadow-merge';
import type { ShadowPort, ShadowRead } from './ports';

/** A shadow known not to exist (GetThingShadow answered 404): the next update creates it at version 1. */
const ABSENT = Symbol('absent');
type Copy = ShadowRead | typeof ABSENT;

/**
 * Keeps, per thing, the last known document of the named shadows this execution
 * environment reads and writes with optimistic concurrency (the `reasoning` shadow, the
 * coach's answer cache `reasoning-coach`): after a successful versioned update the copy
 * is the shadow's state at the returned version (the update merged into the copy with the
 * shadow's own merge rules), so the next batch of that thing skips its GetThingShadow. A
 * shadow that does not exist yet is remembered as absent too (a 404 costs the SDK an
 * exception). The copy can only be stale, never wrong in effect: every write it leads to
 * carries its version, so a change made elsewhere (another environment, the coach's
 * budget) answers 409, the copy is dropped, and the caller reads again. Any failed or
 * unversioned write drops the copy too. (A stale answer cache can only lack an answer
 * written elsewhere: the coach then asks again, within its budget.)
 *
 * Bounded: past `maxThings` copies of a shadow the least recently used one goes.
 */
export function cachingShadow(inner: ShadowPort, opts: { shadowNames: readonly string[]; maxThings: number }): ShadowPort & { readonly size: number } {
  const byName = new Map(opts.shadowNames.map((n) => [n, new Map<string, Copy>()]));
  const keep = (copies: Map<string, Copy>, thing: string, copy: Copy) => {
    copies.delete(thing);
    copies.set(thing, copy);
    if (copies.size > opts.maxThings) copies.delete(copies.keys().next().value as string);
  };
  return {
    get size() {
      let n = 0;
      for (const copies of byName.values()) n += copies.size;
      return n;
    },
    async get(thing, shadowName) {
      const copies = byName.get(shadowName);
      if (copies === undefined) return inner.get(thing, shadowName);
      const known = copies.get(thing);
      if (known !== undefined) {
        keep(copies, thing, known);
        return known === ABSENT ? undefined : known;
      }
      const read = await inner.get(thing, shadowName);
      keep(copies, thing, read ?? ABSENT);
      return read;
    },
    async update(thing, shadowName, state, expectedVersion) {
      const copies = byName.get(shadowName);
      if (copies === undefined) return inner.update(thing, shadowName, state, expectedVersion);
      const known = copies.get(thing);
      const base = known === ABSENT ? undefined : known;
      copies.delete(thing);
      const v = await inner.update(thing, shadowName, state, expectedVersion);
      if (v === 'conflict' || expectedVersion === undefined) return v;
      // the copy the caller read (or none: the shadow did not exist, version 0) plus this update
      if ((base?.version ?? 0) !== expectedVersion) return v;
      keep(copies, thing, applied(base, state, v));
      return v;
    },
  };
}

function applied(base: ShadowRead | undefined, state: { desired?: unknown; reported?: unknown }, version: number): ShadowRead {
  const out: ShadowRead = { version };
  const desired = section(base?.desired, state.desired);
  const reported = section(base?.reported, state.reported);
  if (desired !== undefined) out.desired = desired;
  if (reported !== undefined) out.reported = reported;
  return out;
}

function section(base: ShadowSection | undefined, patch: unknown): ShadowSection | undefined {
  if (patch === undefined) return base;
  // a null section deletes it; a patch that is not an object would have been refused (400)
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return undefined;
  const merged = mergeShadowState(base ?? {}, patch as ShadowSection);
  return Object.keys(merged).length === 0 ? undefined : merged;
}
