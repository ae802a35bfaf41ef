/**
 * Crash-safe file writes for state that matters (keys, certificates, identities):
 * data goes to a temp name in the same directory, is fsynced, renamed over the final
 * name, and the directory is fsynced, so after a crash (kill -9, power loss) a reader
 * sees either the old content or the whole new one, never a torn file.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** One file of a {@link writeDirAtomic} set. */
export interface FileToWrite {
  /** file name inside the directory (no path separators) */
  name: string;
  data: string | Uint8Array;
  /** permission bits; 0o600 for private keys */
  mode?: number;
}

const TEMP_MARK = '.tmp-';

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates `path` (must not exist) with `data`, fsynced before it returns. */
function writeNewFile(path: string, data: string | Uint8Array, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function tempName(path: string): string {
  return join(dirname(path), `${basename(path)}${TEMP_MARK}${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
}

/**
 * Writes one file atomically (temp + fsync + rename + fsync of its directory),
 * creating the directory (0700) if needed. The file has `mode` from its first byte
 * (a private key is never readable by others, not even while it is written).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = tempName(path);
  try {
    writeNewFile(tmp, data, mode);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncPath(dirname(path));
}

/**
 * Creates directory `dir` holding exactly `files`, all or nothing: every file is
 * written and fsynced in a temp sibling directory, which is then renamed to `dir`
 * in one step (the commit) and the parent fsynced. A crash before the rename leaves
 * no `dir` (only a temp sibling, see {@link removeStaleTemps}); after it, all of it.
 * Throws if `dir` already exists (nothing is replaced).
 */
export function writeDirAtomic(dir: string, files: readonly FileToWrite[]): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const tmp = tempName(dir);
  mkdirSync(tmp, { mode: 0o700 });
  try {
    for (const f of files) {
      if (f.name.includes('/') || f.name.includes('\\') || f.name.startsWith('.')) throw new RangeError(`not a plain file name: ${f.name}`);
      writeNewFile(join(tmp, f.name), f.data, f.mode ?? 0o644);
    }
    fsyncPath(tmp);
    // rename(2) onto an existing non-empty directory fails (ENOTEMPTY/EEXIST): the commit never replaces.
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  fsyncPath(parent);
}

/**
 * Removes the temp siblings of `path` that an interrupted {@link writeFileAtomic} or
 * {@link writeDirAtomic} left behind (any process's: call it while holding the
 * directory's lock). Returns the names removed.
 */
export function removeStaleTemps(path: string): string[] {
  const prefix = `${basename(path)}${TEMP_MARK}`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const stale = names.filter((n) => n.startsWith(prefix));
  for (const n of stale) rmSync(join(dirname(path), n), { recursive: true, force: true });
  return stale;
}
