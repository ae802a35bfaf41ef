import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exceedsJsonDepth, jsonNestingDepth, valueDepthExceeds } from './json-depth';

/** The reference: the depth of a parsed value, by recursion (fine at these sizes). */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (typeof v === 'object' && v !== null) return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

// Strings full of the characters the scanner must treat as data inside strings.
const trickyString = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', 'é', '🐾', ' ') });
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    trickyString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(trickyString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('Property: jsonNestingDepth', () => {
  it('equals the parsed value depth for any JSON text, compact or indented, as text or bytes', () => {
    fc.assert(
      fc.property(jsonValue, fc.constantFrom(undefined, 2), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        const depth = depthOf(JSON.parse(text));
        expect(jsonNestingDepth(text)).toBe(depth);
        expect(jsonNestingDepth(Buffer.from(text, 'utf8'))).toBe(depth);
      }),
    );
  });

  it('agrees with exceedsJsonDepth and valueDepthExceeds and stops at limit + 1 for any limit', () => {
    fc.assert(
      fc.property(jsonValue, fc.nat({ max: 12 }), (v, limit) => {
        const text = JSON.stringify(v);
        const depth = depthOf(v);
        expect(jsonNestingDepth(text, limit)).toBe(Math.min(depth, limit + 1));
        expect(exceedsJsonDepth(text, limit)).toBe(depth > limit);
        expect(valueDepthExceeds(JSON.parse(text), limit)).toBe(depth > limit);
      }),
    );
  });

  it('measures nesting from 1 to 100,000 levels exactly, arrays and objects', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.boolean(), (depth, objects) => {
        const text = objects ? `${'{"k":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;
        expect(jsonNestingDepth(text)).toBe(depth);
        expect(exceedsJsonDepth(Buffer.from(text), 64)).toBe(depth > 64);
      }),
      { numRuns: 50 },
    );
  });
});
