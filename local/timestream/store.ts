import fs from 'node:fs';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import type { Logger } from '../../common/logger';
import { TIMESTREAM } from '../../protocol/resources';
import { Catalog, type RetentionProperties, type TableMeta } from './catalog';
import { type RejectedRecord, TimestreamError } from './errors';
import { DimensionRanges } from './dimension-ranges';
import { commitStaged, TableAppenders } from './group-commit';
import type { TranslatedQuery } from './query-translator';
import { ReaderPool } from './reader-pool';
import { type NormalizedRecord, normalizeRecords } from './records';
import type { IndexRow, TimeKey } from './series-index';
import { SeriesStates, type UpsertDelete } from './series-states';
import { admitRecords, ingestionWindow } from './write-admission';
import type { WriteRecordsRequest } from './write-request';

/**
 * The local Timestream store: one DuckDB table per Timestream table, in wide form
 * (one row per record; each dimension and each measure is a column, as Timestream's
 * own query model shows them). Writes are group-committed: the records of every
 * WriteRecords call that arrived while the previous commit ran are staged column-wise per
 * series (run-buffer.ts, series-states.ts) and appended as data chunks inside one
 * transaction (group-commit.ts) whose COMMIT (WAL write, fsync, checkpoints) runs on
 * DuckDB's threads, not on the event loop; each call is answered once its records are
 * committed and queryable. A call's records pass the table's ingestion window and schema
 * (write-admission.ts), then upsert by version (series-states.ts).
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
  /** create `pulsepet.telemetry`, `pulsepet.presence` and `pulsepet.petStates` when missing (default true) */
  seedDefaults?: boolean;
  /** clock, for tests of the ingestion window */
  now?: () => number;
  /**
   * entries the in-memory version indexes hold before each series forgets its older half
   * (default 2M; 24 bytes an entry in typed arrays, up to twice that as they grow)
   */
  maxIndexEntries?: number;
  /** DuckDB's memory_limit (default {@link DEFAULT_STORE_MEMORY_LIMIT}) */
  memoryLimit?: string;
  /**
   * DuckDB's `threads` (default {@link DEFAULT_STORE_THREADS}): the threads one statement
   * may use. With 1, a statement runs on the thread that asked for it (a libuv pool
   * thread) and hands no task to DuckDB's own workers.
   */
  threads?: number;
  /** read connections queries run on side by side (default 1: on 2 cores a second one did not add throughput; reader-pool.ts) */
  readConnections?: number;
  /**
   * While writes overlap (one arrived while another was still waiting for its commit, less
   * than {@link OVERLAP_MS} ago), a commit waits this long for more writes to join it
   * (default {@link DEFAULT_COMMIT_DELAY_MS}; 0: never). A commit has a fixed cost (the
   * appender's flush, BEGIN and COMMIT with its WAL write: ≈ 1.4 ms of CPU per
   * commit, against ≈ 0.5 ms per ingest-shaped call it carries), so the telemetry batches of
   * many concurrent ingest invocations share it. A caller that writes one call at a time
   * never overlaps itself and never waits, as PostgreSQL's `commit_delay` applies only
   * with `commit_siblings` active; neither does a lone write on an idle store.
   */
  commitDelayMs?: number;
}

/**
 * The group commit's window. `bench/store-commit-window.ts`: WriteRecords calls shaped like
 * ingest's (30 multi-measure records, 1,500 things) arriving as a Poisson stream, CPU per
 * call (median of 3 runs): at 50 calls/s 2.8 ms with a 5 ms window, 2.0 ms with 25 ms; at
 * 333 calls/s 1.1 and 0.6 ms (11 calls a commit instead of 3). A write then takes about
 * 22 ms instead of 9 (a real Timestream write takes tens of milliseconds too).
 */
export const DEFAULT_COMMIT_DELAY_MS = 25;

/** How recent an overlap of writes must be for a commit to wait (see `commitDelayMs`). */
const OVERLAP_MS = 1000;

/**
 * DuckDB's threads per statement for the local store. Its default (one per core) makes
 * every commit hand tasks between the calling thread and DuckDB's workers: WriteRecords
 * shaped like ingest's, 4 in flight (`bench/ingest-store.ts --concurrency 4`, 3 runs
 * each), cost 7.9 + 10.3 µs a record (event loop + other threads) with it and 7.5 + 5.2
 * µs with 1, and went 18 % faster. A scan takes the same CPU either way but runs on one
 * core: a GROUP BY over 10 million rows took 330 ms instead of 184 ms on an idle 2-core
 * machine; under load the second core is the broker's anyway.
 */
export const DEFAULT_STORE_THREADS = 1;

/** DuckDB's buffer pool for the local store. */
export const DEFAULT_STORE_MEMORY_LIMIT = '256MB';

/** Defaults for the local tables: a long magnetic window with magnetic writes on, so late device batches land. */
export const DEFAULT_RETENTION: RetentionProperties = {
  MemoryStoreRetentionPeriodInHours: 24,
  MagneticStoreRetentionPeriodInDays: 365,
};

interface PendingWrite {
  table: TableMeta;
  records: NormalizedRecord[];
  rejected: RejectedRecord[];
  resolve(r: WriteResult): void;
  reject(e: unknown): void;
}

/** ms-precision times (the common case) key by number; finer ones by their ns digits. */
const timeKeyOfNs = (ns: bigint): TimeKey => (ns % 1_000_000n === 0n ? Number(ns / 1_000_000n) : ns.toString());

export class TelemetryStore {
  /** version indexes and staged rows; entries bounded by `maxIndexEntries` (the older half of each series is trimmed past it) */
  private readonly series: SeriesStates;
  private readonly appenders: TableAppenders;
  private queue: PendingWrite[] = [];
  /** group-commit counters (benchmarks report records per commit) */
  readonly stats = { commits: 0, writes: 0, records: 0, commitMs: 0, queries: 0, queryMs: 0, queryMaxMs: 0, queriesPruned: 0 };
  /** which dimension values have rows when: queries no row can match skip the scan */
  private readonly ranges: DimensionRanges;
  private draining = false;
  private closed = false;
  /** when a write last arrived while another was still waiting for its commit (performance.now()) */
  private lastOverlapAt = Number.NEGATIVE_INFINITY;
  private trims = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly readers: ReaderPool,
    /** the group commit's own connection, so no catalog statement lands inside its transaction */
    private readonly data: DuckDBConnection,
    readonly catalog: Catalog,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly maxIndexEntries: number,
    private readonly commitDelayMs: number,
  ) {
    this.series = new SeriesStates((table, seriesKey, measureName, fromMs, belowMs) => this.loadIndex(table, seriesKey, measureName, fromMs, belowMs));
    this.appenders = new TableAppenders(data, logger);
    const hadRows = new Set(catalog.listTables().filter((t) => t.hadRowsAtOpen));
    this.ranges = new DimensionRanges(hadRows, (table, column) => this.dimensionRows(table, column.internal), logger);
  }

  /** Opens (or creates) the store and seeds the pulsepet tables. */
  static async open(opts: TelemetryStoreOptions): Promise<TelemetryStore> {
    let file = ':memory:';
    if (opts.dataDir !== undefined) {
      fs.mkdirSync(opts.dataDir, { recursive: true });
      file = path.join(opts.dataDir, 'timestream.duckdb');
    }
    // DuckDB's buffer pool defaults to 80 % of the machine's memory and keeps what was
    // written cached: bounded here, so the stack's memory does not grow with the data it
    // stored (DuckDB spills to its own temp files past it).
    const instance = await DuckDBInstance.create(file, { memory_limit: opts.memoryLimit ?? DEFAULT_STORE_MEMORY_LIMIT, threads: String(opts.threads ?? DEFAULT_STORE_THREADS) });
    const writer = await instance.connect();
    const readers = new ReaderPool(await Promise.all(Array.from({ length: opts.readConnections ?? 1 }, () => instance.connect())));
    const data = await instance.connect();
    const catalog = await Catalog.load(writer);
    for (const repair of catalog.repairs) opts.logger.warn({ component: 'timestream-store', repair }, 'telemetry store catalog repaired at open');
    const store = new TelemetryStore(
      instance,
      writer,
      readers,
      data,
      catalog,
      opts.logger.child({ component: 'timestream-store' }),
      opts.now ?? Date.now,
      opts.maxIndexEntries ?? 2_000_000,
      opts.commitDelayMs ?? DEFAULT_COMMIT_DELAY_MS,
    );
    if (opts.seedDefaults ?? true) {
      // the tables infra creates, which the IoT rules' timestream actions write into (a rule cannot create one)
      const db = TIMESTREAM.database;
      if (!catalog.database(db)) await catalog.createDatabase(db);
      for (const t of [TIMESTREAM.telemetryTable, TIMESTREAM.presenceTable, TIMESTREAM.petStateTable]) {
        if (!catalog.table(db, t)) await catalog.createTable(db, t, DEFAULT_RETENTION, true);
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
      if (this.draining) this.lastOverlapAt = performance.now();
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
    this.appenders.drop(t.internal);
    this.ranges.drop(t);
    await this.catalog.deleteTable(db, name);
    this.series.dropTable(t.internal);
  }

  /**
   * Runs a translated Timestream query. One whose scope no stored row is in is answered as
   * over none of the table's rows, without the scan (dimension-ranges.ts): no rows, or for
   * an aggregate without GROUP BY its one row from DuckDB over an empty input.
   */
  async runQuery(q: TranslatedQuery): Promise<DuckDBValue[][]> {
    if (q.scope === undefined || this.ranges.mayMatch(q.table, q.scope)) return this.query(q.sql, q.params);
    if (this.closed) throw new TimestreamError('InternalServerException', 'The store is closed.');
    this.stats.queriesPruned++;
    return q.emptySql === null ? [] : this.query(q.emptySql, q.params);
  }

  /** Runs translated SQL on a free read connection (reader-pool.ts), after those queued before it. */
  query(sql: string, params: DuckDBValue[]): Promise<DuckDBValue[][]> {
    if (this.closed) return Promise.reject(new TimestreamError('InternalServerException', 'The store is closed.'));
    return this.readers.run(async (reader) => {
      if (this.closed) throw new TimestreamError('InternalServerException', 'The store is closed.');
      const t0 = performance.now();
      const result = await reader.runAndReadAll(sql, params);
      const ms = performance.now() - t0;
      this.stats.queries++;
      this.stats.queryMs += ms;
      this.stats.queryMaxMs = Math.max(this.stats.queryMaxMs, ms);
      return result.getRows();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.draining) await new Promise((r) => setImmediate(r));
    // the queries running now finish; those queued behind them are refused (closed)
    await this.readers.close();
    this.appenders.dropAll();
    this.data.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }

  /** Group commit: everything queued while the last commit ran goes out in one commit. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        if (this.commitDelayMs > 0 && performance.now() - this.lastOverlapAt < OVERLAP_MS) await new Promise((r) => setTimeout(r, this.commitDelayMs));
        const batch = this.queue;
        this.queue = [];
        const results: WriteResult[] = [];
        const deletes: UpsertDelete[] = [];
        try {
          for (const w of batch) results.push(await this.apply(w, deletes));
          const t0 = performance.now();
          await commitStaged(this.data, this.appenders, this.series.takeStaged(), deletes);
          this.stats.commitMs += performance.now() - t0;
          this.stats.commits++;
          this.boundIndex();
          this.stats.writes += batch.length;
          for (const r of results) this.stats.records += r.ingested.Total;
        } catch (e) {
          this.logger.error({ err: e }, 'telemetry store write failed');
          // The index may now disagree with disk; rebuild it lazily from DuckDB.
          this.series.reset();
          this.appenders.dropAll();
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
   * Bounds the version indexes' memory: past the limit, after a commit (everything is on
   * disk then), each series forgets the older half of its entries. A later write older
   * than what its series kept reads that stretch of time back from DuckDB.
   */
  private boundIndex(): void {
    if (this.series.indexed <= this.maxIndexEntries) return;
    const before = this.series.indexed;
    while (this.series.indexed > this.maxIndexEntries && this.series.trim() > 0);
    this.trims++;
    this.logger.info({ before, after: this.series.indexed }, 'version index trimmed to the newer half of each series');
  }

  /** Version index reads from disk: writes older than their series' index, and the entries they added. */
  get indexLoads(): { count: number; entries: number } {
    return { ...this.series.loads };
  }

  /** Entries the version indexes hold now. */
  get indexEntries(): number {
    return this.series.indexed;
  }

  /** Times the version indexes passed `maxIndexEntries` and were trimmed. */
  get indexTrims(): number {
    return this.trims;
  }

  /** One call of a group commit: admission, new columns, then upsert into the staged state. */
  private async apply(w: PendingWrite, deletes: UpsertDelete[]): Promise<WriteResult> {
    const { table } = w;
    const window = ingestionWindow(table, this.now());
    const { accepted, rejected, added } = admitRecords(table, w.records, window);
    this.ranges.observe(table, accepted);
    // Rows already staged simply lack the new columns: they are appended as NULL.
    for (const [name, c] of added) await this.catalog.addColumn(table, name, c.kind, c.type);
    const { memory, magnetic } = await this.series.upsert(table, accepted, window.memLow, deletes, rejected);
    rejected.push(...w.rejected);
    rejected.sort((a, b) => a.RecordIndex - b.RecordIndex);
    return { ingested: { Total: memory + magnetic, MemoryStore: memory, MagneticStore: magnetic }, rejected };
  }

  /** Each value of a dimension column with the first and last time of its rows (epoch ns). */
  private async dimensionRows(table: TableMeta, column: string): Promise<Array<[string, bigint, bigint]>> {
    const sql = `SELECT ${column}, min(time), max(time) FROM ${table.internal} WHERE ${column} IS NOT NULL GROUP BY 1`;
    const rows = await this.readers.run(async (c) => (await c.runAndReadAll(sql)).getRows());
    return rows.map(([v, lo, hi]) => [String(v), lo as bigint, hi as bigint]);
  }

  /**
   * A series' stored records from `fromMs` up to before `belowMs` (ms; Infinity: to the
   * end), for its version index. The time bounds are literals, so DuckDB skips the row
   * groups whose zonemaps on `time` lie outside them (rows are appended about in time order).
   */
  private async loadIndex(table: TableMeta, seriesKey: string, measureName: string, fromMs: number, belowMs: number): Promise<IndexRow[]> {
    let sql = `SELECT time, version, fp FROM ${table.internal} WHERE series = $1 AND measure_name = $2 AND time >= ${BigInt(fromMs) * 1_000_000n}`;
    if (Number.isFinite(belowMs)) sql += ` AND time < ${BigInt(belowMs) * 1_000_000n}`;
    const rows = (await this.writer.runAndReadAll(sql, [seriesKey, measureName])).getRows();
    return rows.map(([t, v, fp]) => ({ key: timeKeyOfNs(t as bigint), v: Number(v), fp: Number(fp) }));
  }
}
