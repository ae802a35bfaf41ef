import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyUpdate, getDocument, type JsonObject, type JsonValue, type StoredShadow } from './shadow-document';

const T0 = 1_700_000_000_000;

// Small key and value spaces so that desired and reported collide often.
const key = fc.constantFrom('a', 'b', 'c');
const scalar = fc.oneof(fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.constantFrom('x', 'y'));
const arr = fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 3 });
const leaf: fc.Arbitrary<JsonValue> = fc.oneof(scalar, arr);

/** A non-empty patch object up to `levels` deep; `null` values delete. */
function patchOf(levels: number): fc.Arbitrary<JsonObject> {
  const member: fc.Arbitrary<JsonValue> =
    levels <= 1
      ? fc.oneof({ weight: 4, arbitrary: leaf }, { weight: 1, arbitrary: fc.constant(null) })
      : fc.oneof(
          { weight: 4, arbitrary: leaf },
          { weight: 1, arbitrary: fc.constant(null) },
          { weight: 2, arbitrary: patchOf(levels - 1) },
        );
  return fc.dictionary(key, member, { minKeys: 1, maxKeys: 3 }) as fc.Arbitrary<JsonObject>;
}
const patch = patchOf(3);

const update = fc.record(
  { desired: patch, reported: patch },
  { requiredKeys: [] },
);

/** Flattens to path → leaf (scalar or array); objects are descended into. */
function flatten(o: JsonObject | undefined, prefix = '', out = new Map<string, JsonValue>()): Map<string, JsonValue> {
  for (const [k, v] of Object.entries(o ?? {})) {
    const p = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) flatten(v, p, out);
    else out.set(p, v);
  }
  return out;
}

/** Reference delta: desired leaves whose value at the same path differs in reported. */
function referenceDelta(desired: JsonObject | undefined, reported: JsonObject | undefined): Map<string, string> {
  const r = flatten(reported);
  const out = new Map<string, string>();
  for (const [p, v] of flatten(desired)) {
    if (JSON.stringify(r.get(p)) !== JSON.stringify(v)) out.set(p, JSON.stringify(v));
  }
  return out;
}

function asStrings(m: Map<string, JsonValue>): Map<string, string> {
  return new Map([...m].map(([k, v]) => [k, JSON.stringify(v)]));
}

describe('Property: shadow updates', () => {
  it('keeps the delta equal to the difference between desired and reported after every update', () => {
    fc.assert(
      fc.property(fc.array(update, { minLength: 1, maxLength: 12 }), (updates) => {
        let cur: StoredShadow | undefined;
        updates.forEach((state, i) => {
          const r = applyUpdate(cur, { state }, T0 + i * 1000);
          if (!r.ok) throw new Error(`rejected: ${r.message}`);
          cur = r.next;
          const expected = referenceDelta(cur.state.desired, cur.state.reported);
          const published = r.delta ? asStrings(flatten(r.delta.state as JsonObject)) : new Map<string, string>();
          expect(published).toEqual(expected);
          const got = getDocument(cur, T0).state as { delta?: JsonObject };
          expect(asStrings(flatten(got.delta))).toEqual(expected);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('applies every non-null leaf of an update and removes every null path', () => {
    fc.assert(
      fc.property(fc.array(update, { minLength: 1, maxLength: 8 }), (updates) => {
        let cur: StoredShadow | undefined;
        for (const state of updates) {
          const r = applyUpdate(cur, { state }, T0);
          if (!r.ok) throw new Error(r.message);
          cur = r.next;
          for (const section of ['desired', 'reported'] as const) {
            const sent = state[section];
            if (!sent) continue;
            const stored = flatten(cur.state[section]);
            for (const [p, v] of flatten(sent)) {
              if (v === null) expect([...stored.keys()].some((k) => k === p || k.startsWith(`${p}.`))).toBe(false);
              else expect(stored.get(p)).toEqual(v);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('only ever grows the version, by one per accepted update', () => {
    fc.assert(
      fc.property(fc.array(update, { minLength: 1, maxLength: 15 }), fc.nat({ max: 20 }), (updates, base) => {
        let cur: StoredShadow | undefined;
        let last = base;
        for (const state of updates) {
          const r = applyUpdate(cur, { state }, T0, { baseVersion: base });
          if (!r.ok) throw new Error(r.message);
          expect(r.next.version).toBe(last + 1);
          expect(r.accepted.version).toBe(r.next.version);
          last = r.next.version;
          cur = r.next;
        }
      }),
    );
  });

  it('always rejects a version other than the current one with 409 and leaves the shadow as it was', () => {
    fc.assert(
      fc.property(fc.array(update, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 30 }), update, (updates, v, attempt) => {
        let cur: StoredShadow | undefined;
        for (const state of updates) {
          const r = applyUpdate(cur, { state }, T0);
          if (!r.ok) throw new Error(r.message);
          cur = r.next;
        }
        if (!cur) return;
        fc.pre(v !== cur.version);
        const before = structuredClone(cur);
        const r = applyUpdate(cur, { state: attempt, version: v }, T0);
        expect(r).toMatchObject({ ok: false, code: 409, message: 'Version conflict' });
        expect(cur).toEqual(before);
        expect(applyUpdate(cur, { state: attempt, version: cur.version }, T0).ok).toBe(true);
      }),
    );
  });
});
