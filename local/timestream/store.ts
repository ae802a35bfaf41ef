import fs from 'node:fs';
import path from 'node:path';
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import type { Logger } from '../../common/logger';
import { Catalog, type ColumnKind, type RetentionProperties, type TableMeta } from './catalog';
import { type RejectedRecord, TimestreamError } from './errors';
import type { MeasureShape } from './measure-shape';
import type { ScalarType } from './measure-values';
import { type NormalizedRecord, normalizeRecords } from './records';
import type { WriteRecordsRequest } from './write-request';
import { chunkTypes, RunBuffer, RunConstants } from './run-buffer';
import { SeriesIndex, type TimeKey } from './series-index';

/**
 * The local Timestream store: one DuckDB table per Timestream table, in wide form
 * (one row per record; each dimension and each measure is a column, as Timestream's
 * own query model shows them). Writes are group-committed: the records of every
 * WriteRecords call that arrived while the previous commit ran are staged column-wise per
 * series (run-buffer.ts) and appended as data chunks inside one transaction whose COMMIT
 * (WAL write, fsync, checkpoints) runs on DuckDB's threads, not on the event loop; each
 * call is answered once its records are committed and queryable.
 * Upsert by version follows https://docs.aws.amazon.com/timestream/latest/developerguide/API_WriteRecords.html
 * ("Upserts"): same dimensions + measure name + time → a higher Version replaces the
 * record, an identical value is accepted, anything else is rejected with ExistingVersion.
 */

export interface WriteResult {
  /** RecordsIngested as Timestream reports it */
  ingested: { Total: number; MemoryStore: number; MagneticStore: number };
  rejected: RejectedRecord[];
}

export interface TelemetryStoreOptions {
  /** directory for `timestream.duckdb`; undefined → in-memory */
  dataDir?: string;
  logger: Logger;
  /** create `pulsepet.telemetry` and `pulsepet.presence` when missing (default true) */
  seedDefaults?: boolean;
  /** clock, for tests of the ingestion window */
  now?: () => number;
  /** records kept in the in-memory version index before it is dropped and reloaded lazily (default 2M, ~200 MB) */
  maxIndexEntries?: number;
}

/** Defaults for the local tables: a long magnetic window with magnetic writes on, so late device batches land. */
export const DEFAULT_RETENTION: RetentionProperties = {
  MemoryStoreRetentionPeriodInHours: 24,
  MagneticStoreRetentionPeriodInDays: 365,
};
/** Timestream accepts timestamps at most 15 minutes in the future (developerguide ts-limits). */
const FUTURE_WINDOW_MS = 15 * 60_000;

/** One series (dimension set) + measure name of a table: its version index and its staged rows. */
interface SeriesState {
  /** time → latest version and fingerprint; undefined until loaded from disk */
  idx: SeriesIndex | undefined;
  run: RunBuffer | undefined;
  /** DuckDB values for its constant columns, made on its first commit */
  constants: RunConstants | undefined;
}

interface TableAppender {
  appender: DuckDBAppender;
  /** the column count it was created with: a schema change needs a new appender */
  columns: number;
  /** the data chunk runs are copied into, reused for every run of the table */
  chunk: duckdb.DataChunk;
}

interface PendingWrite {
  table: TableMeta;
  records: NormalizedRecord[];
  rejected: RejectedRecord[];
  resolve(r: WriteResult): void;
  reject(e: unknown): void;
}

type UpsertDelete = [TableMeta, NormalizedRecord, number];

/** ms-precision times (the common case) key by number; finer ones by their ns digits. */
const timeKeyOfNs = (ns: bigint): TimeKey => (ns % 1_000_000n === 0n ? Number(ns / 1_000_000n) : ns.toString());
const iso = (ms: number): string => new Date(ms).toISOString();

export class TelemetryStore {
  /** per table internal name → series\u0003measure → state */
  private readonly series = new Map<string, Map<string, SeriesState>>();
  /** entries in the version indexes; bounded by `maxIndexEntries` */
  private indexed = 0;
  /** runs holding rows for the next commit */
  private dirty: Array<[TableMeta, SeriesState, RunBuffer]> = [];
  private readonly appenders = new Map<string, TableAppender>();
  private queue: PendingWrite[] = [];
  /** group-commit counters (benchmarks report records per commit) */
  readonly stats = { commits: 0, writes: 0, records: 0, commitMs: 0 };
  private draining = false;
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
    /** the group commit's own connection, so no catalog statement lands inside its transaction */
    private readonly data: DuckDBConnection,
    readonly catalog: Catalog,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly maxIndexEntries: number,
  ) {}

  /** Opens (or creates) the store and seeds the pulsepet tables. */
  static async open(opts: TelemetryStoreOptions): Promise<TelemetryStore> {
    let file = ':memory:';
    if (opts.dataDir !== undefined) {
      fs.mkdirSync(opts.dataDir, { recursive: true });
      file = path.join(opts.dataDir, 'timestream.duckdb');
    }
    const instance = await DuckDBInstance.create(file);
    const writer = await instance.connect();
    const reader = await instance.connect();
    const data = await instance.connect();
    const catalog = await Catalog.load(writer);
    const store = new TelemetryStore(
      instance,
      writer,
      reader,
      data,
      catalog,
      opts.logger.child({ component: 'timestream-store' }),
      opts.now ?? Date.now,
      opts.maxIndexEntries ?? 2_000_000,
    );
    if (opts.seedDefaults ?? true) {
      if (!catalog.database('pulsepet')) await catalog.createDatabase('pulsepet');
      for (const t of ['telemetry', 'presence']) {
        if (!catalog.table('pulsepet', t)) await catalog.createTable('pulsepet', t, DEFAULT_RETENTION, true);
      }
    }
    return store;
  }

  /**
   * WriteRecords: validates, upserts and durably appends; resolves once the records are
   * queryable. Throws TimestreamError (ResourceNotFound, Internal) for whole-call failures;
   * per-record rejections are in the result.
   */
  write(req: WriteRecordsRequest): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new TimestreamError('InternalServerException', 'The store is closed.'));
    const table = this.catalog.requireTable(req.DatabaseName, req.TableName);
    const { records, rejected } = normalizeRecords(req);
    return new Promise<WriteResult>((resolve, reject) => {
      this.queue.push({ table, records, rejected, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /**
   * DeleteTable, serialized with writes so no commit targets a dropped table; the
   * table's version index and appender go with it.
   */
  async deleteTable(db: string, name: string): Promise<void> {
    while (this.draining) await new Promise((r) => setImmediate(r));
    const t = this.catalog.requireTable(db, name);
    this.dropAppender(t.internal);
    await this.catalog.deleteTable(db, name);
    this.series.delete(t.internal);
  }

  /** Runs translated SQL on the read connection. */
  async query(sql: string, params: DuckDBValue[]): Promise<DuckDBValue[][]> {
    if (this.closed) throw new TimestreamError('InternalServerException', 'The store is closed.');
    const reader = await this.reader.runAndReadAll(sql, params);
    return reader.getRows();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.draining) await new Promise((r) => setImmediate(r));
    for (const internal of [...this.appenders.keys()]) this.dropAppender(internal);
    this.data.closeSync();
    this.reader.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }

  /** Group commit: everything queued while the last commit ran goes out in one commit. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        const results: WriteResult[] = [];
        const deletes: UpsertDelete[] = [];
        try {
          for (const w of batch) results.push(await this.apply(w, deletes));
          const t0 = performance.now();
          await this.commit(deletes);
          this.stats.commitMs += performance.now() - t0;
          this.stats.commits++;
          this.boundIndex();
          this.stats.writes += batch.length;
          for (const r of results) this.stats.records += r.ingested.Total;
        } catch (e) {
          this.logger.error({ err: e }, 'telemetry store write failed');
          // The index may now disagree with disk; rebuild it lazily from DuckDB.
          this.series.clear();
          this.dirty = [];
          this.indexed = 0;
          for (const internal of [...this.appenders.keys()]) this.dropAppender(internal);
          for (const t of this.catalog.listTables()) t.hadRowsAtOpen = true;
          const err = new TimestreamError('InternalServerException', 'The telemetry store failed to write.', {
            cause: e,
          });
          for (const w of batch) w.reject(err);
          continue;
        }
        batch.forEach((w, i) => {
          w.resolve(results[i]!);
        });
      }
    } finally {
      this.draining = false;
    }
  }

  /**
   * Bounds the version index's memory: past the limit it is dropped after a commit
   * (everything is on disk then) and series are reloaded from DuckDB when next written.
   */
  private boundIndex(): void {
    if (this.indexed <= this.maxIndexEntries) return;
    this.logger.info({ entries: this.indexed }, 'version index dropped; it reloads per series from disk');
    this.series.clear();
    this.indexed = 0;
    for (const t of this.catalog.listTables()) t.hadRowsAtOpen = true;
  }

  /** The table's appender, (re)created when its column count changed. */
  private async appenderFor(table: TableMeta): Promise<TableAppender> {
    const columns = table.order.length;
    let a = this.appenders.get(table.internal);
    if (a && a.columns === columns) return a;
    this.dropAppender(table.internal);
    a = { appender: await this.data.createAppender(table.internal), columns, chunk: duckdb.create_data_chunk(chunkTypes(table.order)) };
    this.appenders.set(table.internal, a);
    return a;
  }

  private dropAppender(internal: string): void {
    const a = this.appenders.get(internal);
    if (!a) return;
    this.appenders.delete(internal);
    try {
      a.appender.clear();
      a.appender.closeSync();
    } catch (e) {
      this.logger.warn({ err: e }, 'closing a telemetry appender failed');
    }
  }

  /**
   * One transaction per group commit: every staged run is appended as data chunks (the
   * appender's flush only fills the transaction's local storage), upsert deletes follow,
   * and COMMIT — WAL write and fsync — runs on DuckDB's thread.
   */
  private async commit(deletes: UpsertDelete[]): Promise<void> {
    const dirty = this.dirty;
    this.dirty = [];
    if (dirty.length === 0 && deletes.length === 0) return;
    const used = new Map<string, [TableMeta, TableAppender]>();
    for (const [t] of dirty) if (!used.has(t.internal)) used.set(t.internal, [t, await this.appenderFor(t)]);
    await this.data.run('BEGIN TRANSACTION');
    try {
      for (const [t, state, run] of dirty) {
        const a = used.get(t.internal)?.[1];
        state.constants ??= new RunConstants(run.series, run.measureName);
        if (a) run.appendTo(a.appender, a.chunk, t.order, state.constants);
        state.run = undefined;
      }
      for (const [, a] of used.values()) a.appender.flushSync();
      for (const [t, r, oldVersion] of deletes) {
        await this.data.run(
          `DELETE FROM ${t.internal} WHERE series = $1 AND measure_name = $2 AND time = $3 AND version = $4`,
          [r.dims.seriesKey, r.measureName, r.timeNs ?? BigInt(r.timeMs) * 1_000_000n, BigInt(oldVersion)],
        );
      }
      await this.data.run('COMMIT');
    } catch (e) {
      for (const [, state] of dirty) state.run = undefined;
      await this.data.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  private async apply(w: PendingWrite, deletes: UpsertDelete[]): Promise<WriteResult> {
    const { table } = w;
    const rejected = [...w.rejected];
    const now = this.now();
    const memLow = now - table.retention.MemoryStoreRetentionPeriodInHours * 3_600_000;
    const low = table.magneticStoreWrites ? now - table.retention.MagneticStoreRetentionPeriodInDays * 86_400_000 : memLow;
    const high = now + FUTURE_WINDOW_MS;
    const accepted: NormalizedRecord[] = [];
    // Schema checks see the columns earlier records of this call add, as successive writes
    // would; records share dimension sets and shapes, so the check runs once per pair.
    const added = new Map<string, { kind: ColumnKind; type: ScalarType }>();
    let lastDims: unknown;
    let lastShape: MeasureShape | undefined;
    let conflict: string | undefined;
    for (const r of w.records) {
      const ms = r.timeMs;
      if (ms < low || ms >= high) {
        rejected.push({
          RecordIndex: r.index,
          Reason: `The record timestamp is outside the time range [${iso(low)}, ${iso(high)}) of the data ingestion window.`,
        });
        continue;
      }
      if (r.dims !== lastDims || r.shape !== lastShape) {
        lastDims = r.dims;
        lastShape = r.shape;
        conflict = this.schemaConflict(table, r, added);
      }
      if (conflict) {
        rejected.push({ RecordIndex: r.index, Reason: conflict });
        continue;
      }
      accepted.push(r);
    }
    // Rows already staged simply lack the new columns: they are appended as NULL.
    for (const [name, c] of added) await this.catalog.addColumn(table, name, c.kind, c.type);

    let perTable = this.series.get(table.internal);
    if (!perTable) {
      perTable = new Map();
      this.series.set(table.internal, perTable);
    }
    let memory = 0;
    let magnetic = 0;
    let seriesKey = '';
    let measureName = '';
    let state: SeriesState | undefined;
    let idx = new SeriesIndex();
    let columnsOf: MeasureShape | undefined;
    let columns: number[] = [];
    for (const r of accepted) {
      if (state === undefined || r.dims.seriesKey !== seriesKey || r.measureName !== measureName) {
        seriesKey = r.dims.seriesKey;
        measureName = r.measureName;
        const sk = `${seriesKey}\u0003${measureName}`;
        state = perTable.get(sk);
        if (!state) {
          state = { idx: undefined, run: undefined, constants: undefined };
          perTable.set(sk, state);
        }
        idx = state.idx ?? (await this.loadIndex(table, state, r));
      }
      const existing = idx.find(r.timeKey);
      if (existing) {
        const v = idx.version;
        if (r.version > v) {
          deletes.push([table, r, v]);
        } else if (r.fingerprint === idx.fingerprint) {
          // Identical record: accepted without a change (idempotent retry).
          if (r.timeMs >= memLow) memory++;
          else magnetic++;
          continue;
        } else {
          rejected.push({
            RecordIndex: r.index,
            Reason: `A record with the same dimensions, time and measure name already exists with a different measure value and version ${v}; send a Version greater than ${v} to update it.`,
            ExistingVersion: v,
          });
          continue;
        }
      }
      let run = state.run;
      if (!run) {
        run = new RunBuffer(seriesKey, measureName, r.dims.dimensions);
        state.run = run;
        this.dirty.push([table, state, run]);
      }
      if (r.shape !== columnsOf) {
        columnsOf = r.shape;
        columns = r.shape.names.map((n) => {
          const c = table.columns.get(n);
          return c ? table.order.indexOf(c) : -1;
        });
      }
      run.append(r, columns);
      if (existing) idx.update(r.version, r.fingerprint);
      else {
        idx.add(r.timeKey, r.version, r.fingerprint);
        this.indexed++;
      }
      if (r.timeMs >= memLow) memory++;
      else magnetic++;
    }
    rejected.sort((a, b) => a.RecordIndex - b.RecordIndex);
    return { ingested: { Total: memory + magnetic, MemoryStore: memory, MagneticStore: magnetic }, rejected };
  }

  /**
   * A column keeps the kind and type it was first written with (Timestream auto-detected
   * schema); a record that fits registers the columns it adds in `added`.
   */
  private schemaConflict(table: TableMeta, r: NormalizedRecord, added: Map<string, { kind: ColumnKind; type: ScalarType }>): string | undefined {
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

  /** The version index of one series+measure, loaded from DuckDB the first time it is touched. */
  private async loadIndex(table: TableMeta, state: SeriesState, r: NormalizedRecord): Promise<SeriesIndex> {
    let idx = new SeriesIndex();
    if (table.hadRowsAtOpen) {
      const rows = (
        await this.writer.runAndReadAll(
          `SELECT time, version, fp FROM ${table.internal} WHERE series = $1 AND measure_name = $2`,
          [r.dims.seriesKey, r.measureName],
        )
      ).getRows();
      idx = SeriesIndex.fromRows(rows.map(([t, v, fp]) => ({ key: timeKeyOfNs(t as bigint), v: Number(v), fp: Number(fp) })));
    }
    this.indexed += idx.size;
    state.idx = idx;
    return idx;
  }
}
