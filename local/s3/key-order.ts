/**
 * Object keys in S3's order: "List results are always returned in UTF-8 binary order"
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html). UTF-8 byte
 * order is code point order; JavaScript compares UTF-16 code units, which differ only
 * between surrogate pairs and U+E000–U+FFFF, so those units are shifted before comparing.
 */
function orderUnit(c: number): number {
  if (c >= 0xd800 && c <= 0xdfff) return c + 0x2000;
  if (c >= 0xe000) return c - 0x800;
  return c;
}

/** Negative, zero or positive as `a` sorts before, with or after `b` in UTF-8 binary order. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return orderUnit(x) - orderUnit(y);
  }
  return a.length - b.length;
}

/** The index of the first key of `sorted` that sorts after `key` (or at it, with `inclusive`). */
export function firstIndexAfter(sorted: readonly string[], key: string, inclusive = false): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(sorted[mid] as string, key);
    if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A set of keys kept in S3's order (insert and remove by binary search). */
export class SortedKeys {
  private readonly keys: string[] = [];

  get all(): readonly string[] {
    return this.keys;
  }

  get size(): number {
    return this.keys.length;
  }

  add(key: string): void {
    const i = firstIndexAfter(this.keys, key, true);
    if (this.keys[i] !== key) this.keys.splice(i, 0, key);
  }

  remove(key: string): void {
    const i = firstIndexAfter(this.keys, key, true);
    if (this.keys[i] === key) this.keys.splice(i, 1);
  }
}
