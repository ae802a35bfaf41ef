import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import type { Logger } from '../../common/logger';
import type { TableMeta } from './catalog';
import { chunkTypes, RunConstants } from './run-buffer';
import type { StagedRun, UpsertDelete } from './series-states';

/**
 * The group commit's DuckDB side: one appender per table, and one transaction that
 * appends every staged run and applies the upsert deletes.
 */

interface TableAppender {
  appender: DuckDBAppender;
  /** the column count it was created with: a schema change needs a new appender */
  columns: number;
  /** the data chunk runs are copied into, reused for every run of the table */
  chunk: duckdb.DataChunk;
}

/** The tables' appenders on the group commit's own connection. */
export class TableAppenders {
  private readonly byTable = new Map<string, TableAppender>();

  constructor(
    private readonly data: DuckDBConnection,
    private readonly logger: Logger,
  ) {}

  /** The table's appender, (re)created when its column count changed. */
  async get(table: TableMeta): Promise<TableAppender> {
    const columns = table.order.length;
    let a = this.byTable.get(table.internal);
    if (a && a.columns === columns) return a;
    this.drop(table.internal);
    a = { appender: await this.data.createAppender(table.internal), columns, chunk: duckdb.create_data_chunk(chunkTypes(table.order)) };
    this.byTable.set(table.internal, a);
    return a;
  }

  drop(internal: string): void {
    const a = this.byTable.get(internal);
    if (!a) return;
    this.byTable.delete(internal);
    try {
      a.appender.clear();
      a.appender.closeSync();
    } catch (e) {
      this.logger.warn({ err: e }, 'closing a telemetry appender failed');
    }
  }

  dropAll(): void {
    for (const internal of [...this.byTable.keys()]) this.drop(internal);
  }
}

/**
 * One transaction per group commit: every staged run is appended as data chunks (the
 * appender's flush only fills the transaction's local storage), upsert deletes follow,
 * and COMMIT — WAL write and fsync — runs on DuckDB's thread.
 */
export async function commitStaged(data: DuckDBConnection, appenders: TableAppenders, staged: readonly StagedRun[], deletes: readonly UpsertDelete[]): Promise<void> {
  if (staged.length === 0 && deletes.length === 0) return;
  const used = new Map<string, TableAppender>();
  for (const [t] of staged) if (!used.has(t.internal)) used.set(t.internal, await appenders.get(t));
  await data.run('BEGIN TRANSACTION');
  try {
    for (const [t, state, run] of staged) {
      const a = used.get(t.internal);
      state.constants ??= new RunConstants(run.series, run.measureName);
      if (a) run.appendTo(a.appender, a.chunk, t.order, state.constants);
      state.run = undefined;
    }
    for (const a of used.values()) a.appender.flushSync();
    for (const [t, r, oldVersion] of deletes) {
      await data.run(`DELETE FROM ${t.internal} WHERE series = $1 AND measure_name = $2 AND time = $3 AND version = $4`, [
        r.dims.seriesKey,
        r.measureName,
        r.timeNs ?? BigInt(r.timeMs) * 1_000_000n,
        BigInt(oldVersion),
      ]);
    }
    await data.run('COMMIT');
  } catch (e) {
    for (const [, state] of staged) state.run = undefined;
    await data.run('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
