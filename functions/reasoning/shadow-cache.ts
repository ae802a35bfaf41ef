import { mergeShadowState, type ShadowSection } from '../../protocol/shadow-merge';
import type { ShadowPort, ShadowRead } from './ports';

/**
 * Keeps, per thing, the last known document of one named shadow this execution
 * environment reads and writes with optimistic concurrency (the `reasoning` shadow):
 * after a successful versioned update the copy is the shadow's state at the returned
 * version (the update merged into the copy with the shadow's own merge rules), so the
 * next batch of that thing skips its GetThingShadow. The copy can only be stale, never
 * wrong in effect: every write it leads to carries its version, so a change made
 * elsewhere (another environment, the coach's budget) answers 409, the copy is dropped,
 * and the caller reads again. Any failed or unversioned write drops the copy too.
 *
 * Bounded: past `maxThings` the least recently used copy goes.
 */
export function cachingShadow(inner: ShadowPort, opts: { shadowName: string; maxThings: number }): ShadowPort & { readonly size: number } {
  const copies = new Map<string, ShadowRead>();
  const keep = (thing: string, read: ShadowRead) => {
    copies.delete(thing);
    copies.set(thing, read);
    if (copies.size > opts.maxThings) copies.delete(copies.keys().next().value as string);
  };
  return {
    get size() {
      return copies.size;
    },
    async get(thing, shadowName) {
      if (shadowName !== opts.shadowName) return inner.get(thing, shadowName);
      const known = copies.get(thing);
      if (known !== undefined) {
        keep(thing, known);
        return known;
      }
      const read = await inner.get(thing, shadowName);
      if (read !== undefined) keep(thing, read);
      return read;
    },
    async update(thing, shadowName, state, expectedVersion) {
      if (shadowName !== opts.shadowName) return inner.update(thing, shadowName, state, expectedVersion);
      const base = copies.get(thing);
      copies.delete(thing);
      const v = await inner.update(thing, shadowName, state, expectedVersion);
      if (v === 'conflict' || expectedVersion === undefined) return v;
      // the copy the caller read (or none: the shadow did not exist, version 0) plus this update
      if ((base?.version ?? 0) !== expectedVersion) return v;
      keep(thing, applied(base, state, v));
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
