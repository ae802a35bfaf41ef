import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptStateError, DirUnusableError } from '../common/startup-errors';
import { DATA_DIR_FORMAT, FORMAT_FILE, readDataDirFormat, writeDataDirFormat } from './data-dir-format';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'pp-format-'));

describe('Module: data-dir-format', () => {
  it('reads no marker in a dir without one (new, or from before markers) and changes nothing', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'credentials.json'), '{}');
    expect(readDataDirFormat(dir, '0.1.0')).toBeUndefined();
    expect(readdirSync(dir)).toEqual(['credentials.json']);
  });

  it('writes the current format and the writing version, and reads them back', () => {
    const dir = tmp();
    expect(writeDataDirFormat(dir, '0.1.0')).toEqual({ format: DATA_DIR_FORMAT, writtenBy: 'pulsepet 0.1.0' });
    expect(JSON.parse(readFileSync(join(dir, FORMAT_FILE), 'utf8'))).toEqual({ format: DATA_DIR_FORMAT, writtenBy: 'pulsepet 0.1.0' });
    expect(readDataDirFormat(dir, '0.1.0')).toEqual({ format: DATA_DIR_FORMAT, writtenBy: 'pulsepet 0.1.0' });
    expect(readdirSync(dir)).toEqual([FORMAT_FILE]);
  });

  it('refuses a dir of a newer format, saying which pulsepet wrote it', () => {
    const dir = tmp();
    writeFileSync(join(dir, FORMAT_FILE), JSON.stringify({ format: DATA_DIR_FORMAT + 1, writtenBy: 'pulsepet 9.9.9', extra: true }));
    let err: unknown;
    try {
      readDataDirFormat(dir, '0.1.0');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DirUnusableError);
    expect(err).toMatchObject({ problem: 'newer-format', info: { writtenBy: 'pulsepet 9.9.9' } });
    expect((err as Error).message).toBe(
      `data dir ${dir} was written by pulsepet 9.9.9 (data format ${DATA_DIR_FORMAT + 1}); this pulsepet 0.1.0 reads format ${DATA_DIR_FORMAT}`,
    );
  });

  it('names a marker that does not parse as corrupt', () => {
    const dir = tmp();
    writeFileSync(join(dir, FORMAT_FILE), '{"format": "one"');
    expect(() => readDataDirFormat(dir, '0.1.0')).toThrow(CorruptStateError);
    expect(() => readDataDirFormat(dir, '0.1.0')).toThrow(`corrupt data dir format marker ${join(dir, FORMAT_FILE)}`);
  });
});
