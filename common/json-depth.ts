/**
 * How deeply JSON text nests, found by one iterative pass over its characters or
 * bytes, so a caller can refuse a document before any recursive work on it
 * (JSON.stringify, zod, tree walks) runs out of stack.
 *
 * The scan counts `{` and `[` outside strings (a string starts and ends at an
 * unescaped `"`; inside it `\` escapes the next character) and stops as soon as
 * the depth passes the caller's limit. The UTF-8 bytes of non-ASCII characters are
 * all ≥ 0x80, so scanning bytes gives the same answer as scanning the decoded text.
 * For valid JSON (RFC 8259) the result is exactly the value's depth (a scalar is 0,
 * `[]` is 1, `[[1]]` is 2); for other text it is the deepest run of unclosed brackets.
 */

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // backslash

/** What each ASCII code means to the scan; every other code is data. */
const DATA = 0;
const STRING_START = 1;
const OPEN = 2;
const CLOSE = 3;
const CLASS = new Uint8Array(128);
CLASS[QUOTE] = STRING_START;
CLASS[0x7b] = OPEN; // {
CLASS[0x5b] = OPEN; // [
CLASS[0x7d] = CLOSE; // }
CLASS[0x5d] = CLOSE; // ]

/**
 * The nesting depth of JSON text, counted up to `limit + 1`: the scan stops at the
 * first bracket that passes `limit`, so refusing a 10 MB run of `[` costs one
 * comparison per byte up to that point, never more.
 *
 * @param text the JSON text, or its UTF-8 bytes
 * @param limit deepest nesting the caller accepts (default: no limit, the whole text is scanned)
 * @returns the depth, or `limit + 1` when the text nests deeper than `limit`
 *
 * @example
 * jsonNestingDepth('{"a":[1,2]}'); // 2
 * jsonNestingDepth('[[[[[[', 3); // 4: deeper than 3, scan stopped
 */
export function jsonNestingDepth(text: string | Uint8Array, limit = Number.POSITIVE_INFINITY): number {
  return typeof text === 'string' ? scanText(text, limit) : scanBytes(text, limit);
}

/**
 * True when JSON text nests deeper than `maxDepth`. Text no longer than `maxDepth`
 * cannot (each level takes at least one character) and is not scanned.
 *
 * @example
 * if (exceedsJsonDepth(body, 64)) return badRequest('nested deeper than 64 levels');
 */
export function exceedsJsonDepth(text: string | Uint8Array, maxDepth: number): boolean {
  if (text.length <= maxDepth) return false;
  return jsonNestingDepth(text, maxDepth) > maxDepth;
}

/**
 * True when a value (as JSON.parse builds it) nests deeper than `maxDepth`: a
 * scalar is 0 levels, an array or object 1 + its deepest member. Iterative, so a
 * value 100,000 levels deep is measured without running out of stack (V8's
 * JSON.parse itself builds any depth without recursion); it stops at the first
 * container past the limit.
 *
 * @example
 * valueDepthExceeds(JSON.parse('{"a":[1]}'), 1); // true
 */
export function valueDepthExceeds(value: unknown, maxDepth: number): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const top = values.pop();
    const level = (depths.pop() as number) + 1;
    if (typeof top !== 'object' || top === null) continue;
    if (level > maxDepth) return true;
    for (const x of Array.isArray(top) ? top : Object.values(top)) {
      values.push(x);
      depths.push(level);
    }
  }
  return false;
}

// The two loops below are the same state machine over char codes and over bytes
// (one loop reading through a callback would be several times slower per byte):
// outside strings a table lookup classifies each code; a string is skipped in an
// inner loop that only looks for its closing quote and for escapes.

function scanText(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const k = c < 128 ? (CLASS[c] as number) : DATA;
    if (k === DATA) continue;
    if (k === STRING_START) {
      for (i++; i < n; i++) {
        const s = text.charCodeAt(i);
        if (s === QUOTE) break;
        if (s === BACKSLASH) i++;
      }
    } else if (k === OPEN) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (depth > 0) depth--;
  }
  return max;
}

function scanBytes(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let max = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i] as number;
    const k = c < 128 ? (CLASS[c] as number) : DATA;
    if (k === DATA) continue;
    if (k === STRING_START) {
      for (i++; i < n; i++) {
        const s = bytes[i] as number;
        if (s === QUOTE) break;
        if (s === BACKSLASH) i++;
      }
    } else if (k === OPEN) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (depth > 0) depth--;
  }
  return max;
}
