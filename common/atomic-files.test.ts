import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleTemps, writeDirAtomic, writeFileAtomic } from './atomic-files';

const dir = (): string => mkdtempSync(join(tmpdir(), 'pp-atomic-'));

describe('Function: writeFileAtomic', () => {
  it('replaces a file whole, with its mode, leaving no temp file', () => {
    const d = dir();
    const f = join(d, 'sub', 'key.pem');
    writeFileAtomic(f, 'one', 0o600);
    writeFileAtomic(f, 'two', 0o600);
    expect(readFileSync(f, 'utf8')).toBe('two');
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(d, 'sub'))).toEqual(['key.pem']);
  });
});

describe('Function: writeDirAtomic', () => {
  it('creates the folder with every file, or nothing when a file cannot be written', () => {
    const d = dir();
    writeDirAtomic(join(d, 'id'), [{ name: 'a', data: 'A' }, { name: 'b', data: 'B', mode: 0o600 }]);
    expect(readdirSync(join(d, 'id')).sort()).toEqual(['a', 'b']);
    expect(() => writeDirAtomic(join(d, 'bad'), [{ name: 'a', data: 'A' }, { name: '../escape', data: 'x' }])).toThrow(/not a plain file name/);
    expect(readdirSync(d)).toEqual(['id']);
  });

  it('never replaces an existing folder', () => {
    const d = dir();
    writeDirAtomic(join(d, 'id'), [{ name: 'a', data: 'first' }]);
    expect(() => writeDirAtomic(join(d, 'id'), [{ name: 'a', data: 'second' }])).toThrow();
    expect(readFileSync(join(d, 'id', 'a'), 'utf8')).toBe('first');
    expect(readdirSync(d)).toEqual(['id']);
  });
});

describe('Function: removeStaleTemps', () => {
  it('removes only the temp siblings of the given path', () => {
    const d = dir();
    mkdirSync(join(d, 'id.tmp-1-x'));
    writeFileSync(join(d, 'id.tmp-2-y'), '');
    writeFileSync(join(d, 'other.tmp-3-z'), '');
    expect(removeStaleTemps(join(d, 'id')).sort()).toEqual(['id.tmp-1-x', 'id.tmp-2-y']);
    expect(existsSync(join(d, 'other.tmp-3-z'))).toBe(true);
    expect(removeStaleTemps(join(d, 'missing', 'id'))).toEqual([]);
  });
});
