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

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

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

// The two loops below are the same state machine over char codes and over bytes;
// one loop reading through a callback would be several times slower per byte.

function scanText(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && depth > 0) depth--;
  }
  return max;
}

function scanBytes(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] as number;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && depth > 0) depth--;
  }
  return max;
}
