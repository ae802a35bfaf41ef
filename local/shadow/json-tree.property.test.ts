import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { depthExceeds, invalidNode, type JsonValue } from './json-tree';

/** The recursive definitions the iterative walks replace (safe at these sizes). */
function depthOf(v: JsonValue): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (typeof v === 'object' && v !== null) return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

function invalidNodeRecursive(v: JsonValue, insideArray = false): string | undefined {
  if (v === null) return insideArray ? 'null inside an array' : undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : 'a number out of range';
  if (Array.isArray(v)) {
    for (const x of v) {
      const bad = invalidNodeRecursive(x, true);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '__proto__') return "the key '__proto__'";
      const bad = invalidNodeRecursive(x, insideArray);
      if (bad) return bad;
    }
  }
  return undefined;
}

// Values as JSON.parse builds them, with the nodes AWS refuses mixed in: nulls,
// non-finite numbers, own `__proto__` keys (JSON.parse makes them own properties).
const key = fc.constantFrom('a', 'b', '__proto__', 'constructor');
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.integer(),
    fc.constantFrom(Number.POSITIVE_INFINITY, Number.NaN),
    fc.string({ maxLength: 3 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('v')), { maxLength: 4 }).map((entries) => {
      const o: { [k: string]: JsonValue } = {};
      for (const [k, x] of entries) Object.defineProperty(o, k, { value: x, enumerable: true, writable: true, configurable: true });
      return o;
    }),
  ),
})).v as fc.Arbitrary<JsonValue>;

describe('Property: json-tree walks without recursion', () => {
  it('invalidNode finds the same first bad node as the recursive definition, in document order', () => {
    fc.assert(
      fc.property(value, fc.boolean(), (v, insideArray) => {
        expect(invalidNode(v, insideArray)).toBe(invalidNodeRecursive(v, insideArray));
      }),
      { numRuns: 500 },
    );
  });

  it('depthExceeds agrees with the recursive depth for every limit', () => {
    fc.assert(
      fc.property(value, fc.nat({ max: 8 }), (v, max) => {
        expect(depthExceeds(v, max)).toBe(depthOf(v) > max);
      }),
      { numRuns: 500 },
    );
  });

  it('measures and validates a document 100,000 levels deep (as JSON.parse builds it) without a RangeError', () => {
    const deep = JSON.parse(`${'{"k":'.repeat(100_000)}[1, null]${'}'.repeat(100_000)}`) as JsonValue;
    expect(depthExceeds(deep, 6)).toBe(true);
    expect(invalidNode(deep)).toBe('null inside an array');
    expect(depthExceeds(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as JsonValue, 100_000)).toBe(false);
  });
});
