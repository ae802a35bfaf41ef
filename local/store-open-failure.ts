/**
 * Translates what DuckDB throws when it cannot open the Timestream store's file into
 * the start-up failures the CLI explains (common/startup-errors.ts). DuckDB reports
 * these as plain errors with a message only, e.g.
 * `IO Error: The file "…/timestream.duckdb" exists, but it is not a valid DuckDB database file!`.
 */
import { join } from 'node:path';
import { CorruptStateError, DirUnusableError, dirFailure } from '../common/startup-errors';

/** The store's file in the data dir, when the message does not name it (local/timestream/store.ts). */
const STORE_FILE = 'timestream.duckdb';

const CORRUPT = /not a valid DuckDB database file|corrupt|checksum|Serialization Error/i;
const NEWER = /database file with version number|storage version/i;

/** The start-up failure behind a DuckDB open error, or undefined when it is none of them. */
export function storeOpenFailure(e: unknown, dataDir: string): CorruptStateError | DirUnusableError | undefined {
  const fs = dirFailure(e, dataDir);
  if (fs !== undefined) return fs;
  if (!(e instanceof Error)) return undefined;
  const reason = e.message.split('\n')[0] ?? e.message;
  const file = /file "([^"]+)"/.exec(e.message)?.[1] ?? join(dataDir, STORE_FILE);
  if (NEWER.test(e.message)) {
    return new DirUnusableError(dataDir, 'newer-format', `the Timestream store ${file} was written by a newer DuckDB: ${reason}`, { writtenBy: 'a newer DuckDB' }, e);
  }
  if (CORRUPT.test(e.message)) return new CorruptStateError(file, `corrupt Timestream store ${file}: ${reason}`, e);
  return undefined;
}
