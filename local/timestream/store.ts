import fs from 'node:fs';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import type { Logger } from '../../common/logger';
import { Catalog, type ColumnMeta, DUCK_TYPE, type RetentionProperties, type TableMeta } from './catalog';
import { type RejectedRecord, TimestreamError } from './errors';
import { type NormalizedRecord, normalizeRecords, type WriteRecordsRequest } from './records';

/**
 * The local Timestream store: one DuckDB table per Timestream table, in wide form
 * (one row per record; each dimension and each measure is a column, as Timestream's
 * own query model shows them). Writes are group-committed: the records of every
 * WriteRecords call that arrived while the previous commit ran are encoded as one JSON
 * array and inserted by a single `INSERT … SELECT unnest(from_json(…))`, so parsing,
 * inserting and the WAL fsync all run on DuckDB's threads, not on the event loop; each
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
/** rows per INSERT statement (bounds the JSON text DuckDB parses at once) */
const COMMIT_CHUNK_ROWS = 20_000;

interface IndexEntry {
  v: number;
  fp: number;
}
type TimeKey = number | string;

interface PendingWrite {
  table: TableMeta;
  records: NormalizedRecord[];
  rejected: RejectedRecord[];
  resolve(r: WriteResult): void;
  reject(e: unknown): void;
}

/** ms-precision times (the common case) key by number; finer ones by their ns digits. */
const timeKeyOfNs = (ns: bigint): TimeKey => (ns % 1_000_000n === 0n ? Number(ns / 1_000_000n) : ns.toString());
const iso = (ms: number): string => new Date(ms).toISOString();

export class TelemetryStore {
  /** per table internal name → series\u0003measure → time → entry */
  private readonly index = new Map<string, Map<string, Map<TimeKey, IndexEntry>>>();
  /** entries in `index`; bounded by `maxIndexEntries` */
  private indexed = 0;
  /** consecutive records of a request share a series: its JSON text is reused */
  private lastSeries = '';
  private lastSeriesJson = '""';
  /** per table internal name: JSON rows waiting for the next commit */
  private readonly pending = new Map<string, string[]>();
  /** per table internal name: the from_json structure and column list, rebuilt on schema change */
  private readonly shapes = new Map<string, { struct: string; columns: string }>();
  private queue: PendingWrite[] = [];
  /** group-commit counters (benchmarks report records per commit) */
  readonly stats = { commits: 0, writes: 0, records: 0, commitMs: 0 };
  private draining = false;
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
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
    const catalog = await Catalog.load(writer);
    const store = new TelemetryStore(
      instance,
      writer,
      reader,
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
   * table's version index and pending rows go with it.
   */
  async deleteTable(db: string, name: string): Promise<void> {
    while (this.draining) await new Promise((r) => setImmediate(r));
    const t = await this.catalog.deleteTable(db, name);
    this.index.delete(t.internal);
    this.pending.delete(t.internal);
    this.shapes.delete(t.internal);
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
    this.reader.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }

  /** Group commit: everything queued while the last flush ran goes out in one flush. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        const results: WriteResult[] = [];
        const deletes: Array<[TableMeta, NormalizedRecord, number]> = [];
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
          this.index.clear();
          this.indexed = 0;
          this.pending.clear();
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
    this.index.clear();
    this.indexed = 0;
    for (const t of this.catalog.listTables()) t.hadRowsAtOpen = true;
  }

  /** Inserts the pending rows (one statement per table and chunk), then applies upsert deletes. */
  private async commit(deletes: Array<[TableMeta, NormalizedRecord, number]>): Promise<void> {
    for (const [internal, rows] of this.pending) {
      const shape = this.shapes.get(internal);
      if (!shape || rows.length === 0) continue;
      for (let i = 0; i < rows.length; i += COMMIT_CHUNK_ROWS) {
        const json = `[${rows.slice(i, i + COMMIT_CHUNK_ROWS).join(',')}]`;
        await this.writer.run(
          `INSERT INTO ${internal} (${shape.columns}) SELECT ${shape.columns} FROM (SELECT unnest(from_json($1::JSON, '[${shape.struct}]'), recursive := true))`,
          [json],
        );
      }
    }
    this.pending.clear();
    for (const [t, r, oldVersion] of deletes) {
      await this.writer.run(
        `DELETE FROM ${t.internal} WHERE series = $1 AND measure_name = $2 AND time = $3 AND version = $4`,
        [r.seriesKey, r.measureName, r.timeNs, BigInt(oldVersion)],
      );
    }
  }

  private async apply(w: PendingWrite, deletes: Array<[TableMeta, NormalizedRecord, number]>): Promise<WriteResult> {
    const { table } = w;
    const rejected = [...w.rejected];
    const now = this.now();
    const memLow = now - table.retention.MemoryStoreRetentionPeriodInHours * 3_600_000;
    const low = table.magneticStoreWrites ? now - table.retention.MagneticStoreRetentionPeriodInDays * 86_400_000 : memLow;
    const high = now + FUTURE_WINDOW_MS;
    const accepted: NormalizedRecord[] = [];
    for (const r of w.records) {
      const ms = r.timeMs;
      if (ms < low || ms >= high) {
        rejected.push({
          RecordIndex: r.index,
          Reason: `The record timestamp is outside the time range [${iso(low)}, ${iso(high)}) of the data ingestion window.`,
        });
        continue;
      }
      const conflict = this.schemaConflict(table, r);
      if (conflict) {
        rejected.push({ RecordIndex: r.index, Reason: conflict });
        continue;
      }
      accepted.push(r);
    }
    await this.ensureColumns(table, accepted);
    let memory = 0;
    let magnetic = 0;
    for (const r of accepted) {
      const idx = await this.seriesIndex(table, r);
      const key = r.timeKey;
      const existing = idx.get(key);
      if (existing) {
        if (r.version > existing.v) {
          deletes.push([table, r, existing.v]);
        } else if (r.fingerprint === existing.fp) {
          // Identical record: accepted without a change (idempotent retry).
          if (r.timeMs >= memLow) memory++;
          else magnetic++;
          continue;
        } else {
          rejected.push({
            RecordIndex: r.index,
            Reason: `A record with the same dimensions, time and measure name already exists with a different measure value and version ${existing.v}; send a Version greater than ${existing.v} to update it.`,
            ExistingVersion: existing.v,
          });
          continue;
        }
      }
      this.appendRow(table, r);
      if (!existing) this.indexed++;
      idx.set(key, { v: r.version, fp: r.fingerprint });
      if (r.timeMs >= memLow) memory++;
      else magnetic++;
    }
    rejected.sort((a, b) => a.RecordIndex - b.RecordIndex);
    return { ingested: { Total: memory + magnetic, MemoryStore: memory, MagneticStore: magnetic }, rejected };
  }

  /** A column keeps the kind and type it was first written with (Timestream auto-detected schema). */
  private schemaConflict(table: TableMeta, r: NormalizedRecord): string | undefined {
    for (const [name] of r.dimensions) {
      const c = table.columns.get(name);
      if (c && c.kind !== 'dimension') return `Dimension '${name}' conflicts with the measure of the same name in the table schema.`;
    }
    for (const m of r.measures) {
      const c = table.columns.get(m.name);
      if (!c) continue;
      if (c.kind !== 'measure') return `Measure '${m.name}' conflicts with the dimension of the same name in the table schema.`;
      if (c.type !== m.type) {
        return `Measure '${m.name}' has type ${c.type} in the table schema; a value of type ${m.type} cannot be written.`;
      }
    }
    return undefined;
  }

  private async ensureColumns(table: TableMeta, records: NormalizedRecord[]): Promise<void> {
    const missing = new Map<string, { kind: 'dimension' | 'measure'; type: ColumnMeta['type'] }>();
    for (const r of records) {
      for (const [name] of r.dimensions) {
        if (!table.columns.has(name)) missing.set(name, { kind: 'dimension', type: 'VARCHAR' });
      }
      for (const m of r.measures) {
        if (!table.columns.has(m.name) && !missing.has(m.name)) missing.set(m.name, { kind: 'measure', type: m.type });
      }
    }
    if (missing.size === 0) return;
    // Rows already buffered simply lack the new keys: from_json reads them as NULL.
    for (const [name, c] of missing) await this.catalog.addColumn(table, name, c.kind, c.type);
    this.shapes.delete(table.internal);
  }

  private shapeOf(table: TableMeta): { struct: string; columns: string } {
    let shape = this.shapes.get(table.internal);
    if (!shape) {
      const cols: Array<[string, string]> = [
        ['series', 'VARCHAR'],
        ['measure_name', 'VARCHAR'],
        ['time', 'BIGINT'],
        ['version', 'BIGINT'],
        ['fp', 'DOUBLE'],
        ...table.order.map((c): [string, string] => [c.internal, DUCK_TYPE[c.type]]),
      ];
      // internal names are generated identifiers (d_N, m_N), safe inside the SQL text
      shape = { struct: `{${cols.map(([n, t]) => `"${n}":"${t}"`).join(',')}}`, columns: cols.map(([n]) => n).join(', ') };
      this.shapes.set(table.internal, shape);
    }
    return shape;
  }

  /** Buffers one row as JSON; numbers keep full precision (bigints are written as digits). */
  private appendRow(table: TableMeta, r: NormalizedRecord): void {
    this.shapeOf(table);
    if (r.seriesKey !== this.lastSeries) {
      this.lastSeries = r.seriesKey;
      this.lastSeriesJson = JSON.stringify(r.seriesKey);
    }
    let row = `{"series":${this.lastSeriesJson},"measure_name":${JSON.stringify(r.measureName)},"time":${r.timeNs},"version":${r.version},"fp":${r.fingerprint}`;
    for (const [name, value] of r.dimensions) {
      const col = table.columns.get(name);
      if (col) row += `,"${col.internal}":${JSON.stringify(value)}`;
    }
    for (const m of r.measures) {
      const col = table.columns.get(m.name);
      if (!col) continue;
      const v = m.value;
      row += `,"${col.internal}":${typeof v === 'string' ? JSON.stringify(v) : String(v)}`;
    }
    let rows = this.pending.get(table.internal);
    if (!rows) {
      rows = [];
      this.pending.set(table.internal, rows);
    }
    rows.push(`${row}}`);
  }

  /** The version index of one series+measure, loaded from DuckDB the first time it is touched. */
  private async seriesIndex(table: TableMeta, r: NormalizedRecord): Promise<Map<TimeKey, IndexEntry>> {
    let perTable = this.index.get(table.internal);
    if (!perTable) {
      perTable = new Map();
      this.index.set(table.internal, perTable);
    }
    const sk = `${r.seriesKey}\u0003${r.measureName}`;
    let idx = perTable.get(sk);
    if (idx) return idx;
    idx = new Map();
    if (table.hadRowsAtOpen) {
      const rows = (
        await this.writer.runAndReadAll(
          `SELECT time, version, fp FROM ${table.internal} WHERE series = $1 AND measure_name = $2`,
          [r.seriesKey, r.measureName],
        )
      ).getRows();
      for (const [t, v, fp] of rows) {
        const key = timeKeyOfNs(t as bigint);
        const prev = idx.get(key);
        if (!prev || Number(v) > prev.v) idx.set(key, { v: Number(v), fp: Number(fp) });
      }
    }
    this.indexed += idx.size;
    perTable.set(sk, idx);
    return idx;
  }
}
