import type { Logger } from '../../common/logger';
import type { ColumnMeta, TableMeta } from './catalog';
import type { QueryScope } from './query-scope';
import type { NormalizedRecord } from './records';

/**
 * Per table, for each dimension value: the time range its rows span (whole ms, rounded
 * outwards, so every row's time in ns lies within it). It lets the store answer a query whose
 * scope no row is in without scanning the table: the first window read of a device that
 * just connected, a day with no data. DuckDB has no index that would serve it (an ART
 * index blocks ALTER TABLE ADD COLUMN, which every new measure name needs), and a scan
 * filtered by `thing` reads every row in the time range, whichever thing wrote it.
 *
 * Completeness is what makes pruning safe. Every record a write accepts is observed
 * (before its commit: a range may only be wider than the rows, never narrower), from the
 * store's open on. A table that had rows at open is complete only once those rows were
 * read back (`loadRows`, once, on the first query that could be pruned); until then it
 * prunes nothing. Rows written meanwhile were observed, and those written before were
 * committed before the load read them, so the union covers every row.
 */

/** Dimension values tracked per dimension; past it the dimension is no longer used to prune. */
export const MAX_VALUES_PER_DIMENSION = 200_000;

interface Range {
  lo: number;
  hi: number;
}

const floorMs = (ns: bigint): number => Number(ns / 1_000_000n) - (ns < 0n && ns % 1_000_000n !== 0n ? 1 : 0);
const ceilMs = (ns: bigint): number => floorMs(ns) + (ns % 1_000_000n === 0n ? 0 : 1);

interface TableRanges {
  byDimension: Map<string, Map<string, Range>>;
  /** dimensions with more values than MAX_VALUES_PER_DIMENSION: not used to prune */
  untracked: Set<string>;
  state: 'incomplete' | 'loading' | 'complete';
}

/** One dimension column's values with the times of their rows (epoch ns). */
export type LoadRows = (table: TableMeta, column: ColumnMeta) => Promise<Array<[string, bigint, bigint]>>;

export class DimensionRanges {
  private readonly tables = new WeakMap<TableMeta, TableRanges>();

  /**
   * @param hadRows the tables that had rows when the store opened (read back before they prune)
   */
  constructor(
    private readonly hadRows: ReadonlySet<TableMeta>,
    private readonly loadRows: LoadRows,
    private readonly logger: Logger,
    private readonly maxValues = MAX_VALUES_PER_DIMENSION,
  ) {}

  /** Records a write's accepted records, before they are committed. */
  observe(table: TableMeta, records: readonly NormalizedRecord[]): void {
    const t = this.of(table);
    let dims: ReadonlyArray<[string, string]> | undefined;
    let ranges: Array<Range | undefined> = [];
    for (const r of records) {
      // a request's records usually share one dimension set object: its ranges are looked up once
      if (r.dims.dimensions !== dims) {
        dims = r.dims.dimensions;
        ranges = dims.map(([name, value]) => this.entry(t, name, value));
      }
      // timeMs is exact when timeNs is undefined (a whole ms)
      const lo = r.timeNs === undefined ? r.timeMs : floorMs(r.timeNs);
      const hi = r.timeNs === undefined ? r.timeMs : ceilMs(r.timeNs);
      for (const x of ranges) {
        if (x === undefined) continue;
        if (lo < x.lo) x.lo = lo;
        if (hi > x.hi) x.hi = hi;
      }
    }
  }

  /**
   * False when no stored row can be in `scope`: a dimension it names never had the value,
   * or had it only outside the scope's time bounds.
   */
  mayMatch(table: TableMeta, scope: QueryScope): boolean {
    const t = this.of(table);
    if (t.state !== 'complete') {
      if (t.state === 'incomplete') void this.load(table, t);
      return true;
    }
    for (const [name, value] of scope.equals) {
      const values = t.byDimension.get(name);
      if (values === undefined || t.untracked.has(name)) continue;
      const r = values.get(value);
      if (r === undefined) return false;
      if (scope.minNs !== undefined && BigInt(r.hi) * 1_000_000n < scope.minNs) return false;
      if (scope.maxNs !== undefined && BigInt(r.lo) * 1_000_000n > scope.maxNs) return false;
    }
    return true;
  }

  /** Forgets a deleted table. */
  drop(table: TableMeta): void {
    this.tables.delete(table);
  }

  private of(table: TableMeta): TableRanges {
    let t = this.tables.get(table);
    if (t === undefined) {
      t = { byDimension: new Map(), untracked: new Set(), state: this.hadRows.has(table) ? 'incomplete' : 'complete' };
      this.tables.set(table, t);
    }
    return t;
  }

  /** The range of one dimension value (created empty), or undefined when the dimension is untracked. */
  private entry(t: TableRanges, name: string, value: string): Range | undefined {
    if (t.untracked.has(name)) return undefined;
    let values = t.byDimension.get(name);
    if (values === undefined) {
      values = new Map();
      t.byDimension.set(name, values);
    }
    let r = values.get(value);
    if (r === undefined) {
      if (values.size >= this.maxValues) {
        t.untracked.add(name);
        t.byDimension.delete(name);
        return undefined;
      }
      r = { lo: Number.POSITIVE_INFINITY, hi: Number.NEGATIVE_INFINITY };
      values.set(value, r);
    }
    return r;
  }

  /** Reads back the rows a table had at open; a failure leaves it incomplete (the next query retries). */
  private async load(table: TableMeta, t: TableRanges): Promise<void> {
    t.state = 'loading';
    try {
      for (const column of table.order.filter((c) => c.kind === 'dimension')) {
        for (const [value, min, max] of await this.loadRows(table, column)) {
          const r = this.entry(t, column.name, value);
          if (r === undefined) break;
          r.lo = Math.min(r.lo, floorMs(min));
          r.hi = Math.max(r.hi, ceilMs(max));
        }
      }
      if (this.tables.get(table) === t) t.state = 'complete';
    } catch (e) {
      t.state = 'incomplete';
      this.logger.warn({ err: e, table: `${table.database}.${table.name}` }, 'dimension ranges not loaded; queries on the table scan it');
    }
  }
}
