import type { TableMeta } from './catalog';
import type { RejectedRecord } from './errors';
import type { MeasureShape } from './measure-shape';
import type { NormalizedRecord } from './records';
import { RunBuffer, type RunConstants } from './run-buffer';
import { type IndexRow, MAX_ISLANDS, SeriesIndex } from './series-index';

/**
 * Upsert by version over the in-memory state of each series (dimension set) + measure
 * name of a table: its version index and the rows staged for the next commit
 * (https://docs.aws.amazon.com/timestream/latest/developerguide/API_WriteRecords.html,
 * "Upserts": same dimensions + measure name + time → a higher Version replaces the record,
 * an identical value is accepted, anything else is rejected with ExistingVersion).
 */

/** One series + measure name of a table. */
export interface SeriesState {
  /** time → latest version and fingerprint, from its floor on; undefined until first written */
  idx: SeriesIndex | undefined;
  run: RunBuffer | undefined;
  /** DuckDB values for its constant columns, made on its first commit */
  constants: RunConstants | undefined;
}

/** A row the commit deletes: the stored record a higher version replaces, with its version. */
export type UpsertDelete = [TableMeta, NormalizedRecord, number];
/** Rows staged for the next commit, with the series they belong to. */
export type StagedRun = [TableMeta, SeriesState, RunBuffer];
/** Reads a series' stored records with times from `fromMs` up to before `belowMs` (ms; may be Infinity). */
export type IndexLoader = (table: TableMeta, seriesKey: string, measureName: string, fromMs: number, belowMs: number) => Promise<IndexRow[]>;

/** What a record is to the version index: new, a newer version, a replay, or a conflict. */
export type UpsertAction = 'insert' | 'replace' | 'same' | 'conflict';

/** Decides an upsert from the index entry `found` says exists (`idx.find` was called for the record's time). */
export function upsertAction(found: boolean, idx: SeriesIndex, r: NormalizedRecord): UpsertAction {
  if (!found) return 'insert';
  if (r.version > idx.version) return 'replace';
  return r.fingerprint === idx.fingerprint ? 'same' : 'conflict';
}

export class SeriesStates {
  /** per table internal name → series\u0003measure → state */
  private readonly byTable = new Map<string, Map<string, SeriesState>>();
  /** entries in the version indexes */
  indexed = 0;
  /** reads from disk into an index (a write before its floor), and the entries they added */
  readonly loads = { count: 0, entries: 0 };
  /** runs holding rows for the next commit */
  private staged: StagedRun[] = [];

  constructor(private readonly loadIndex: IndexLoader) {}

  /** The staged runs, handed to the commit (the list starts empty again). */
  takeStaged(): StagedRun[] {
    const s = this.staged;
    this.staged = [];
    return s;
  }

  /** Forgets every index and staged run; series reload from disk when next written. */
  reset(): void {
    this.byTable.clear();
    this.staged = [];
    this.indexed = 0;
  }

  dropTable(internal: string): void {
    for (const state of this.byTable.get(internal)?.values() ?? []) this.indexed -= state.idx?.size ?? 0;
    this.byTable.delete(internal);
  }

  /**
   * Forgets the older half of every index (see `SeriesIndex.trimOlderHalf`); only between
   * commits, when every entry is on disk. Returns how many entries were forgotten.
   */
  trim(): number {
    let removed = 0;
    for (const perTable of this.byTable.values()) {
      for (const state of perTable.values()) if (state.idx) removed += state.idx.trimOlderHalf();
    }
    this.indexed -= removed;
    return removed;
  }

  /**
   * Upserts accepted records (sorted by series as a call's records come): stages the new
   * ones, queues `deletes` for the rows a higher version replaces, and adds a rejection for
   * each conflict. Returns how many landed in the memory and magnetic stores.
   */
  async upsert(table: TableMeta, records: readonly NormalizedRecord[], memLow: number, deletes: UpsertDelete[], rejected: RejectedRecord[]): Promise<{ memory: number; magnetic: number }> {
    let memory = 0;
    let magnetic = 0;
    let seriesKey = '';
    let measureName = '';
    let state: SeriesState | undefined;
    let idx: SeriesIndex | undefined;
    let columnsOf: MeasureShape | undefined;
    let columns: number[] = [];
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as NormalizedRecord;
      if (state === undefined || idx === undefined || r.dims.seriesKey !== seriesKey || r.measureName !== measureName) {
        seriesKey = r.dims.seriesKey;
        measureName = r.measureName;
        [state, idx] = this.stateOf(table, r);
      }
      if (!idx.covers(r.timeMs)) await this.readBack(table, idx, records, i);
      const found = idx.find(r.timeKey);
      const action = upsertAction(found, idx, r);
      if (action === 'conflict') {
        const v = idx.version;
        rejected.push({
          RecordIndex: r.index,
          Reason: `A record with the same dimensions, time and measure name already exists with a different measure value and version ${v}; send a Version greater than ${v} to update it.`,
          ExistingVersion: v,
        });
        continue;
      }
      if (action === 'replace') deletes.push([table, r, idx.version]);
      if (action !== 'same') {
        // an identical record (idempotent retry) is accepted without a change
        if (r.shape !== columnsOf) {
          columnsOf = r.shape;
          columns = r.shape.names.map((n) => {
            const c = table.columns.get(n);
            return c ? table.order.indexOf(c) : -1;
          });
        }
        this.runOf(table, state, r).append(r, columns);
        if (found) idx.update(r.version, r.fingerprint);
        else {
          idx.add(r.timeKey, r.version, r.fingerprint);
          this.indexed++;
        }
      }
      if (r.timeMs >= memLow) memory++;
      else magnetic++;
    }
    return { memory, magnetic };
  }

  /**
   * The state of the record's series + measure name. A new index holds nothing yet when
   * the table had rows at open (its floor is Infinity: the first write loads its stretch).
   */
  private stateOf(table: TableMeta, r: NormalizedRecord): [SeriesState, SeriesIndex] {
    let perTable = this.byTable.get(table.internal);
    if (!perTable) {
      perTable = new Map();
      this.byTable.set(table.internal, perTable);
    }
    const sk = `${r.dims.seriesKey}\u0003${r.measureName}`;
    let state = perTable.get(sk);
    if (!state) {
      state = { idx: undefined, run: undefined, constants: undefined };
      perTable.set(sk, state);
    }
    state.idx ??= new SeriesIndex(table.hadRowsAtOpen ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY);
    return [state, state.idx];
  }

  /**
   * Reads back from disk what `records[i]`'s series needs to decide the call's records of
   * that series from `i` on (which come together) that its index does not cover: the
   * stretch of their times as an island, or, for an index not loaded since the store opened
   * (or with `MAX_ISLANDS` islands already), everything from the earliest of them on.
   */
  private async readBack(table: TableMeta, idx: SeriesIndex, records: readonly NormalizedRecord[], i: number): Promise<void> {
    const first = records[i] as NormalizedRecord;
    let lo = first.timeMs;
    let hi = first.timeMs;
    for (let j = i + 1; j < records.length; j++) {
      const r = records[j] as NormalizedRecord;
      if (r.dims.seriesKey !== first.dims.seriesKey || r.measureName !== first.measureName) break;
      if (idx.covers(r.timeMs)) continue;
      lo = Math.min(lo, r.timeMs);
      hi = Math.max(hi, r.timeMs);
    }
    const { seriesKey } = first.dims;
    let added: number;
    if (Number.isFinite(idx.floor) && idx.islandCount < MAX_ISLANDS) {
      added = idx.addIsland(await this.loadIndex(table, seriesKey, first.measureName, lo, hi + 1), lo, hi);
    } else {
      added = idx.extend(await this.loadIndex(table, seriesKey, first.measureName, lo, idx.floor), lo);
    }
    this.indexed += added;
    this.loads.count++;
    this.loads.entries += added;
  }

  /** The series' run for the next commit, started (and staged) on its first row. */
  private runOf(table: TableMeta, state: SeriesState, r: NormalizedRecord): RunBuffer {
    let run = state.run;
    if (!run) {
      run = new RunBuffer(r.dims.seriesKey, r.measureName, r.dims.dimensions);
      state.run = run;
      this.staged.push([table, state, run]);
    }
    return run;
  }
}
