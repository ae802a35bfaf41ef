import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * The store's read connections. A DuckDB connection runs one statement at a time, and a
 * running statement holds a libuv pool thread (4 by default, shared with every fsync and
 * file write of the process). Queries take a free connection or wait here, in JS, so a
 * waiting query holds nothing, and at most `connections` pool threads ever run queries:
 * the rules' and Lambda's durable queues keep theirs. More than one connection lets
 * queries run side by side (each also uses DuckDB's own threads).
 */
export class ReaderPool {
  private readonly idle: DuckDBConnection[];
  private readonly waiting: Array<(c: DuckDBConnection) => void> = [];
  private readonly drained: Array<() => void> = [];

  constructor(private readonly all: readonly DuckDBConnection[]) {
    if (all.length === 0) throw new RangeError('a reader pool needs a connection');
    this.idle = [...all];
  }

  /** Runs `f` on a free connection, waiting for one when all are busy (first come, first served). */
  async run<T>(f: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const c = this.idle.pop() ?? (await new Promise<DuckDBConnection>((r) => this.waiting.push(r)));
    try {
      return await f(c);
    } finally {
      this.release(c);
    }
  }

  /** Waits until no query runs or waits, then closes every connection. */
  async close(): Promise<void> {
    if (this.idle.length < this.all.length || this.waiting.length > 0) await new Promise<void>((r) => this.drained.push(r));
    for (const c of this.all) c.closeSync();
  }

  private release(c: DuckDBConnection): void {
    const next = this.waiting.shift();
    if (next) {
      next(c);
      return;
    }
    this.idle.push(c);
    if (this.idle.length === this.all.length) for (const r of this.drained.splice(0)) r();
  }
}
