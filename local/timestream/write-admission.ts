import type { ColumnKind, TableMeta } from './catalog';
import type { RejectedRecord } from './errors';
import type { MeasureShape } from './measure-shape';
import type { ScalarType } from './measure-values';
import type { NormalizedRecord } from './records';

/**
 * The checks a normalized record must pass against its table before it is upserted: the
 * ingestion window of the table's retention, and the table's auto-detected schema (a
 * column keeps the kind and type it was first written with,
 * https://docs.aws.amazon.com/timestream/latest/developerguide/writes.html#writes.data-types).
 */

/** Timestamps at most 15 minutes in the future (developerguide ts-limits). */
const FUTURE_WINDOW_MS = 15 * 60_000;

/** The times a table accepts now, in epoch ms: [low, high); at or after memLow lands in the memory store. */
export interface IngestionWindow {
  low: number;
  memLow: number;
  high: number;
}

/** Columns a call adds to the table schema, by name. */
export type AddedColumns = Map<string, { kind: ColumnKind; type: ScalarType }>;

const iso = (ms: number): string => new Date(ms).toISOString();

/** The window of the memory store, or of the magnetic store when the table takes magnetic writes. */
export function ingestionWindow(table: TableMeta, now: number): IngestionWindow {
  const memLow = now - table.retention.MemoryStoreRetentionPeriodInHours * 3_600_000;
  const low = table.magneticStoreWrites ? now - table.retention.MagneticStoreRetentionPeriodInDays * 86_400_000 : memLow;
  return { low, memLow, high: now + FUTURE_WINDOW_MS };
}

/**
 * Splits a call's records into the accepted ones and rejections (outside the window, or
 * a schema conflict), and collects the columns the accepted ones add.
 */
export function admitRecords(
  table: TableMeta,
  records: readonly NormalizedRecord[],
  window: IngestionWindow,
): { accepted: NormalizedRecord[]; rejected: RejectedRecord[]; added: AddedColumns } {
  const accepted: NormalizedRecord[] = [];
  const rejected: RejectedRecord[] = [];
  // Schema checks see the columns earlier records of this call add, as successive writes
  // would; records share dimension sets and shapes, so the check runs once per pair.
  const added: AddedColumns = new Map();
  let lastDims: unknown;
  let lastShape: MeasureShape | undefined;
  let conflict: string | undefined;
  for (const r of records) {
    if (r.timeMs < window.low || r.timeMs >= window.high) {
      rejected.push({
        RecordIndex: r.index,
        Reason: `The record timestamp is outside the time range [${iso(window.low)}, ${iso(window.high)}) of the data ingestion window.`,
      });
      continue;
    }
    if (r.dims !== lastDims || r.shape !== lastShape) {
      lastDims = r.dims;
      lastShape = r.shape;
      conflict = schemaConflict(table, r, added);
    }
    if (conflict) rejected.push({ RecordIndex: r.index, Reason: conflict });
    else accepted.push(r);
  }
  return { accepted, rejected, added };
}

/**
 * Why `r` does not fit the table schema (plus the columns added so far), or undefined;
 * a record that fits registers the columns it adds in `added`.
 */
export function schemaConflict(table: TableMeta, r: NormalizedRecord, added: AddedColumns): string | undefined {
  for (const [name] of r.dims.dimensions) {
    const c = table.columns.get(name) ?? added.get(name);
    if (c && c.kind !== 'dimension') return `Dimension '${name}' conflicts with the measure of the same name in the table schema.`;
  }
  const { names, types } = r.shape;
  for (let j = 0; j < names.length; j++) {
    const name = names[j] ?? '';
    const c = table.columns.get(name) ?? added.get(name);
    if (!c) continue;
    if (c.kind !== 'measure') return `Measure '${name}' conflicts with the dimension of the same name in the table schema.`;
    if (c.type !== types[j]) {
      return `Measure '${name}' has type ${c.type} in the table schema; a value of type ${types[j]} cannot be written.`;
    }
  }
  for (const [name] of r.dims.dimensions) {
    if (!table.columns.has(name) && !added.has(name)) added.set(name, { kind: 'dimension', type: 'VARCHAR' });
  }
  for (let j = 0; j < names.length; j++) {
    const name = names[j] ?? '';
    if (!table.columns.has(name) && !added.has(name)) added.set(name, { kind: 'measure', type: types[j] ?? 'DOUBLE' });
  }
  return undefined;
}
