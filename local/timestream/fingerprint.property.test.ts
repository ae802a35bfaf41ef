import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hash53, measureHash } from './fingerprint';

describe('Function: measureHash', () => {
  it('equals hash53 of name, type and text joined by \\u0001 (stored fingerprints keep their value)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (a, b, c) => {
        expect(measureHash(a, b, c)).toBe(hash53(`${a}\u0001${b}\u0001${c}`));
      }),
    );
  });
});
