import type { MeasureShape } from './measure-shape';
import type { MeasureScalar } from './measure-values';

/**
 * Record fingerprints for upsert-by-version: a record written again with the same version
 * is accepted only if its measure values are identical, which the store checks by
 * comparing these hashes (they are stored with each row, so their values must not change).
 */

/** Canonical text of a value, so "72" and "72.0" (both DOUBLE 72) compare equal. */
function canonical(v: MeasureScalar): string {
  return String(v);
}

/** cyrb53-style 53-bit string hash: a compact fingerprint of a record's measure values. */
export function hash53(s: string): number {
  return hashFinish(...hashFeed(0xdeadbeef, 0x41c6ce57, s));
}

function hashFeed(h1: number, h2: number, s: string): [number, number] {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  return [h1, h2];
}

function hashFinish(h1: number, h2: number): number {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** hash53 of `prefix + text`, given the state after the prefix (no string is built). */
function hashTail(h1: number, h2: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The hash state after `<name>\u0001<type>\u0001`. */
export function measurePrefix(name: string, type: string): [number, number] {
  const [a1, a2] = hashFeed(0xdeadbeef, 0x41c6ce57, name);
  const [b1, b2] = hashFeed(a1, a2, '\u0001');
  const [c1, c2] = hashFeed(b1, b2, type);
  return hashFeed(c1, c2, '\u0001');
}

/**
 * `hash53(\`${name}\u0001${type}\u0001${text}\`)` without building the string
 * (fingerprints are stored, so the value must stay exactly hash53's).
 */
export function measureHash(name: string, type: string, text: string): number {
  const [h1, h2] = measurePrefix(name, type);
  return hashTail(h1, h2, text);
}

/**
 * The fingerprint of a record's measures, independent of their order: the sum (mod 2^53)
 * of each measure's hash, so no sorting or joining is needed on the write path. The
 * per-measure prefix state comes from the shape, so only the value text is hashed.
 */
export function fingerprintOf(shape: MeasureShape, values: readonly MeasureScalar[]): number {
  let sum = 0;
  for (let j = 0; j < values.length; j++) {
    sum = (sum + hashTail(shape.h1[j] ?? 0, shape.h2[j] ?? 0, canonical(values[j] ?? ''))) % 9007199254740992;
  }
  return sum;
}
