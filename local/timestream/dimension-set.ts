import { RecordRejection } from './errors';
import { utf8Bytes } from './measure-values';
import { checkName, MAX_DIMENSION_NAME_BYTES } from './record-names';

/**
 * A record's dimension set, which is its series identity: validated once per distinct
 * set in a request and shared by every record that uses it.
 */

/** Dimension values: 1..2048 bytes (developerguide ts-limits). */
const MAX_DIMENSION_VALUE_BYTES = 2048;

/** A record's validated dimension set. */
export interface DimensionSet {
  /** sorted by name */
  dimensions: Array<[string, string]>;
  seriesKey: string;
  names: Set<string>;
}

/** A dimension set, or why the records that carry it are rejected. */
export type DimensionSetResult = DimensionSet | { error: string };

/** Series identity: the sorted dimension set. */
export function seriesKeyOf(dimensions: ReadonlyArray<[string, string]>): string {
  let s = '';
  for (const [n, v] of dimensions) s += `${n}\u0001${v}\u0002`;
  return s;
}

/**
 * Validates and sorts dimensions (names, duplicates, value sizes). The problem is
 * returned, not thrown, so a set shared by many records is checked only once.
 */
export function dimensionSet(dims: ReadonlyArray<{ Name: string; Value: string }>): DimensionSetResult {
  const names = new Set<string>();
  const dimensions: Array<[string, string]> = [];
  try {
    for (const d of dims) {
      checkName('Dimension', d.Name, MAX_DIMENSION_NAME_BYTES);
      if (names.has(d.Name)) throw new RecordRejection(`Duplicate dimension name '${d.Name}'.`);
      names.add(d.Name);
      if (d.Value.length === 0) throw new RecordRejection(`Dimension '${d.Name}' has an empty value.`);
      if (utf8Bytes(d.Value) > MAX_DIMENSION_VALUE_BYTES) {
        throw new RecordRejection(`Dimension '${d.Name}' value exceeds ${MAX_DIMENSION_VALUE_BYTES} bytes.`);
      }
      dimensions.push([d.Name, d.Value]);
    }
  } catch (e) {
    if (e instanceof RecordRejection) return { error: e.message };
    throw e;
  }
  dimensions.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { dimensions, seriesKey: seriesKeyOf(dimensions), names };
}
