import { RecordRejection } from './errors';
import { utf8Bytes } from './measure-values';

/**
 * Dimension and measure names: length limits and reserved names
 * (https://docs.aws.amazon.com/timestream/latest/developerguide/ts-limits.html, naming constraints).
 */

export const MAX_DIMENSION_NAME_BYTES = 60;
export const MAX_MEASURE_NAME_BYTES = 256;

export type NameKind = 'Dimension' | 'Measure';

/** Names already found valid, per kind (the same few names repeat in every request). */
const validNames = new Map<NameKind, Set<string>>();
let validNameCount = 0;
/** Bounds the cache: names past it are still checked, only not remembered. */
const MAX_CACHED_NAMES = 10_000;

/**
 * Checks a dimension or measure name; a name once found valid is not checked again.
 * @throws RecordRejection with the reason, for the record that carries the name
 */
export function checkName(kind: NameKind, name: string, maxBytes: number): void {
  let known = validNames.get(kind);
  if (known?.has(name)) return;
  checkNameUncached(kind, name, maxBytes);
  if (validNameCount >= MAX_CACHED_NAMES) return;
  if (!known) {
    known = new Set();
    validNames.set(kind, known);
  }
  known.add(name);
  validNameCount++;
}

function checkNameUncached(kind: NameKind, name: string, maxBytes: number): void {
  if (name.length === 0) throw new RecordRejection(`${kind} name cannot be empty.`);
  if (utf8Bytes(name) > maxBytes) throw new RecordRejection(`${kind} name '${name}' exceeds ${maxBytes} bytes.`);
  const lower = name.toLowerCase();
  if (lower === 'time' || lower === 'measure_name' || lower.startsWith('measure_value') || lower.startsWith('ts_')) {
    throw new RecordRejection(`${kind} name '${name}' is reserved.`);
  }
  if (name.includes(':')) throw new RecordRejection(`${kind} name '${name}' cannot contain ':'.`);
}
