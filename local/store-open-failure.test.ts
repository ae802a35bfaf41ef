import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../common/logger';
import { CorruptStateError } from '../common/startup-errors';
import { storeOpenFailure } from './store-open-failure';
import { TelemetryStore } from './timestream/store';

describe('Function: storeOpenFailure', () => {
  it('names a store file DuckDB cannot read as corrupt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-store-open-'));
    const file = join(dir, 'timestream.duckdb');
    writeFileSync(file, Buffer.alloc(8192, 7));
    const err = await TelemetryStore.open({ dataDir: dir, logger: silentLogger() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const f = storeOpenFailure(err, dir);
    expect(f).toBeInstanceOf(CorruptStateError);
    expect((f as CorruptStateError).file).toBe(file);
    expect(f?.message).toContain(`corrupt Timestream store ${file}: IO Error`);
  });

  it('tells a store written by a newer DuckDB apart, and leaves unrelated errors alone', () => {
    const newer = new Error('IO Error: Trying to read a database file with version number 99, but we can only read version 64');
    expect(storeOpenFailure(newer, '/d')).toMatchObject({ problem: 'newer-format', code: 'PP_ERR_DIR_UNUSABLE' });
    expect(storeOpenFailure(new Error('Binder Error: no such table'), '/d')).toBeUndefined();
  });
});
