import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { TimestreamError } from './errors';
import type { ScalarType } from './measure-values';

/**
 * The Timestream catalog (databases, tables, and each table's auto-detected schema),
 * persisted in DuckDB beside the data. Timestream tables are schemaless on write: a
 * new dimension or measure name becomes a column the first time it is written, and
 * its type is fixed from then on
 * (https://docs.aws.amazon.com/timestream/latest/developerguide/writes.html#writes.data-types).
 */

export type ColumnKind = 'dimension' | 'measure';

export interface ColumnMeta {
  /** the Timestream column name (`hr`, `thing`, `measure_value::double`) */
  name: string;
  kind: ColumnKind;
  type: ScalarType;
  /** the DuckDB column (`d_0`, `m_3`) — names are mapped so case and quoting never collide */
  internal: string;
}

export interface RetentionProperties {
  MemoryStoreRetentionPeriodInHours: number;
  MagneticStoreRetentionPeriodInDays: number;
}

export interface TableMeta {
  database: string;
  name: string;
  /** DuckDB table name */
  internal: string;
  retention: RetentionProperties;
  magneticStoreWrites: boolean;
  createdMs: number;
  columns: Map<string, ColumnMeta>;
  /** columns in DuckDB order (fixed ones first), for the appender */
  order: ColumnMeta[];
  /** true once any row may exist on disk that the in-memory index has not seen */
  hadRowsAtOpen: boolean;
}

export interface DatabaseMeta {
  name: string;
  createdMs: number;
}

/** The fixed leading columns of every data table, in appender order. */
export const FIXED_COLUMNS = ['series', 'measure_name', 'time', 'version', 'fp'] as const;

const DDL = [
  'CREATE TABLE IF NOT EXISTS _pp_databases (name VARCHAR PRIMARY KEY, created_ms BIGINT)',
  `CREATE TABLE IF NOT EXISTS _pp_tables (db VARCHAR, name VARCHAR, internal VARCHAR, memory_hours BIGINT,
     magnetic_days BIGINT, magnetic_writes BOOLEAN, created_ms BIGINT, PRIMARY KEY (db, name))`,
  `CREATE TABLE IF NOT EXISTS _pp_columns (internal_table VARCHAR, name VARCHAR, kind VARCHAR, type VARCHAR,
     internal VARCHAR, PRIMARY KEY (internal_table, name))`,
];

/** The DuckDB column type that stores a Timestream scalar type. */
export const DUCK_TYPE: Record<ScalarType, string> = {
  DOUBLE: 'DOUBLE',
  BIGINT: 'BIGINT',
  VARCHAR: 'VARCHAR',
  BOOLEAN: 'BOOLEAN',
  // stored as epoch nanoseconds, like `time`
  TIMESTAMP: 'BIGINT',
};

const tableKey = (db: string, table: string): string => `${db}\u0001${table}`;

type Statement = readonly [sql: string, params?: DuckDBValue[]];

/**
 * In-memory catalog mirrored to DuckDB; every mutation is written through before it is
 * used, in one transaction: a process killed between a data table's DDL and its catalog
 * row leaves neither, never a column or table the catalog does not know (which would
 * refuse every later write that needs it).
 */
export class Catalog {
  private readonly databases = new Map<string, DatabaseMeta>();
  private readonly tables = new Map<string, TableMeta>();
  private nextTable = 0;
  /** catalog transactions share the connection: one at a time */
  private serial: Promise<unknown> = Promise.resolve();
  /** what {@link Catalog.load} repaired: DDL without its catalog row, left by a crash of an earlier version */
  readonly repairs: string[] = [];

  private constructor(private readonly conn: DuckDBConnection) {}

  /**
   * Before this catalog's mutations were transactions, a crash between a data table's DDL
   * and its catalog row left a column or table the catalog did not know, and every later
   * write that needed the same internal name failed. Such leftovers hold no data (rows are
   * only appended through known columns): they are dropped, and a catalog row whose table
   * is gone is deleted.
   */
  private async repair(): Promise<void> {
    const rows = async (sql: string) => (await this.conn.runAndReadAll(sql)).getRows().map((r) => r.map(String));
    const physical = new Set((await rows("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'")).map(([t]) => t!));
    const known = new Set((await rows('SELECT internal FROM _pp_tables')).map(([t]) => t!));
    const steps: Statement[] = [];
    for (const t of known) {
      if (physical.has(t)) continue;
      steps.push(['DELETE FROM _pp_columns WHERE internal_table = $1', [t]], ['DELETE FROM _pp_tables WHERE internal = $1', [t]]);
      this.repairs.push(`catalog row of missing table ${t} deleted`);
    }
    for (const t of physical) {
      if (!/^t_\d+$/.test(t) || known.has(t)) continue;
      steps.push([`DROP TABLE ${t}`]);
      this.repairs.push(`table ${t} without a catalog row dropped`);
    }
    const orphans = await rows(
      `SELECT d.table_name, d.column_name FROM duckdb_columns() d JOIN _pp_tables t ON t.internal = d.table_name
       WHERE d.column_name NOT IN (${FIXED_COLUMNS.map((f) => `'${f}'`).join(', ')})
         AND NOT EXISTS (SELECT 1 FROM _pp_columns c WHERE c.internal_table = d.table_name AND c.internal = d.column_name)`,
    );
    for (const [t, col] of orphans) {
      steps.push([`ALTER TABLE ${t} DROP COLUMN ${col}`]);
      this.repairs.push(`column ${t}.${col} without a catalog row dropped`);
    }
    const stale = await rows(
      `SELECT c.internal_table, c.name FROM _pp_columns c JOIN _pp_tables t ON t.internal = c.internal_table
       WHERE NOT EXISTS (SELECT 1 FROM duckdb_columns() d WHERE d.table_name = c.internal_table AND d.column_name = c.internal)`,
    );
    for (const [t, name] of stale.filter(([t]) => physical.has(t!))) {
      steps.push(['DELETE FROM _pp_columns WHERE internal_table = $1 AND name = $2', [t!, name!]]);
      this.repairs.push(`catalog row of missing column ${t}.${name} deleted`);
    }
    if (steps.length > 0) await this.atomically(steps);
  }

  /** Runs the statements as one transaction, after any other catalog transaction. */
  private atomically(statements: readonly Statement[]): Promise<void> {
    const run = async () => {
      await this.conn.run('BEGIN TRANSACTION');
      try {
        for (const [sql, params] of statements) await this.conn.run(sql, params);
        await this.conn.run('COMMIT');
      } catch (e) {
        await this.conn.run('ROLLBACK').catch(() => undefined);
        throw e;
      }
    };
    const done = this.serial.then(run, run);
    this.serial = done.catch(() => undefined);
    return done;
  }

  static async load(conn: DuckDBConnection): Promise<Catalog> {
    for (const sql of DDL) await conn.run(sql);
    const c = new Catalog(conn);
    await c.repair();
    for (const [name, created] of (await conn.runAndReadAll('SELECT name, created_ms FROM _pp_databases')).getRows()) {
      c.databases.set(String(name), { name: String(name), createdMs: Number(created) });
    }
    const tables = (
      await conn.runAndReadAll(
        'SELECT db, name, internal, memory_hours, magnetic_days, magnetic_writes, created_ms FROM _pp_tables',
      )
    ).getRows();
    for (const [db, name, internal, mem, mag, magWrites, created] of tables) {
      const meta: TableMeta = {
        database: String(db),
        name: String(name),
        internal: String(internal),
        retention: { MemoryStoreRetentionPeriodInHours: Number(mem), MagneticStoreRetentionPeriodInDays: Number(mag) },
        magneticStoreWrites: magWrites === true,
        createdMs: Number(created),
        columns: new Map(),
        order: [],
        hadRowsAtOpen: false,
      };
      const n = Number(String(internal).slice(2));
      if (n >= c.nextTable) c.nextTable = n + 1;
      // DuckDB column order is the physical order the appender must follow.
      const cols = (
        await conn.runAndReadAll(
          `SELECT c.name, c.kind, c.type, c.internal FROM _pp_columns c
           JOIN duckdb_columns() d ON d.table_name = c.internal_table AND d.column_name = c.internal
           WHERE c.internal_table = $1 ORDER BY d.column_index`,
          [meta.internal],
        )
      ).getRows();
      for (const [cn, kind, type, ci] of cols) {
        const col: ColumnMeta = { name: String(cn), kind: kind as ColumnKind, type: type as ScalarType, internal: String(ci) };
        meta.columns.set(col.name, col);
        meta.order.push(col);
      }
      const count = (await conn.runAndReadAll(`SELECT count(*) FROM ${meta.internal}`)).getRows()[0]?.[0];
      meta.hadRowsAtOpen = Number(count ?? 0) > 0;
      c.tables.set(tableKey(meta.database, meta.name), meta);
    }
    return c;
  }

  database(name: string): DatabaseMeta | undefined {
    return this.databases.get(name);
  }

  listDatabases(): DatabaseMeta[] {
    return [...this.databases.values()];
  }

  table(db: string, name: string): TableMeta | undefined {
    return this.tables.get(tableKey(db, name));
  }

  listTables(db?: string): TableMeta[] {
    return [...this.tables.values()].filter((t) => db === undefined || t.database === db);
  }

  /** The table, or ResourceNotFoundException worded like Timestream's. */
  requireTable(db: string, name: string): TableMeta {
    if (!this.databases.has(db)) throw new TimestreamError('ResourceNotFoundException', `The database ${db} does not exist.`);
    const t = this.table(db, name);
    if (!t) throw new TimestreamError('ResourceNotFoundException', `The table ${name} does not exist.`);
    return t;
  }

  async createDatabase(name: string, now = Date.now()): Promise<DatabaseMeta> {
    if (this.databases.has(name)) throw new TimestreamError('ConflictException', `The database ${name} already exists.`);
    await this.atomically([['INSERT INTO _pp_databases VALUES ($1, $2)', [name, BigInt(now)]]]);
    const meta = { name, createdMs: now };
    this.databases.set(name, meta);
    return meta;
  }

  async createTable(
    db: string,
    name: string,
    retention: RetentionProperties,
    magneticStoreWrites: boolean,
    now = Date.now(),
  ): Promise<TableMeta> {
    if (!this.databases.has(db)) throw new TimestreamError('ResourceNotFoundException', `The database ${db} does not exist.`);
    if (this.table(db, name)) throw new TimestreamError('ConflictException', `The table ${name} already exists.`);
    const internal = `t_${this.nextTable++}`;
    await this.atomically([
      [`CREATE TABLE ${internal} (series VARCHAR, measure_name VARCHAR, time BIGINT, version BIGINT, fp DOUBLE)`],
      [
        'INSERT INTO _pp_tables VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [
          db,
          name,
          internal,
          BigInt(retention.MemoryStoreRetentionPeriodInHours),
          BigInt(retention.MagneticStoreRetentionPeriodInDays),
          magneticStoreWrites,
          BigInt(now),
        ],
      ],
    ]);
    const meta: TableMeta = {
      database: db,
      name,
      internal,
      retention,
      magneticStoreWrites,
      createdMs: now,
      columns: new Map(),
      order: [],
      hadRowsAtOpen: false,
    };
    this.tables.set(tableKey(db, name), meta);
    return meta;
  }

  /** DeleteTable: drops the data too (Timestream deletes a table's data with it). */
  async deleteTable(db: string, name: string): Promise<TableMeta> {
    const t = this.requireTable(db, name);
    await this.atomically([
      [`DROP TABLE ${t.internal}`],
      ['DELETE FROM _pp_columns WHERE internal_table = $1', [t.internal]],
      ['DELETE FROM _pp_tables WHERE db = $1 AND name = $2', [db, name]],
    ]);
    this.tables.delete(tableKey(db, name));
    return t;
  }

  /** DeleteDatabase: only an empty database can be deleted, as in Timestream. */
  async deleteDatabase(name: string): Promise<void> {
    if (!this.databases.has(name)) throw new TimestreamError('ResourceNotFoundException', `The database ${name} does not exist.`);
    if (this.listTables(name).length > 0) {
      throw new TimestreamError('ValidationException', `The database ${name} cannot be deleted because it contains tables.`);
    }
    await this.atomically([['DELETE FROM _pp_databases WHERE name = $1', [name]]]);
    this.databases.delete(name);
  }

  /** UpdateTable: retention and magnetic-store writes. */
  async updateTable(t: TableMeta, retention: RetentionProperties | undefined, magneticStoreWrites: boolean | undefined): Promise<void> {
    const r = retention ?? t.retention;
    const m = magneticStoreWrites ?? t.magneticStoreWrites;
    await this.atomically([
      [
        'UPDATE _pp_tables SET memory_hours = $1, magnetic_days = $2, magnetic_writes = $3 WHERE db = $4 AND name = $5',
        [BigInt(r.MemoryStoreRetentionPeriodInHours), BigInt(r.MagneticStoreRetentionPeriodInDays), m, t.database, t.name],
      ],
    ]);
    t.retention = r;
    t.magneticStoreWrites = m;
  }

  /** Adds a column to a table's schema (caller must have closed any appender on it). */
  async addColumn(table: TableMeta, name: string, kind: ColumnKind, type: ScalarType): Promise<ColumnMeta> {
    const internal = `${kind === 'dimension' ? 'd' : 'm'}_${table.order.length}`;
    await this.atomically([
      [`ALTER TABLE ${table.internal} ADD COLUMN ${internal} ${DUCK_TYPE[type]}`],
      ['INSERT INTO _pp_columns VALUES ($1, $2, $3, $4, $5)', [table.internal, name, kind, type, internal]],
    ]);
    const col: ColumnMeta = { name, kind, type, internal };
    table.columns.set(name, col);
    table.order.push(col);
    return col;
  }
}
