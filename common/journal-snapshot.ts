/**
 * The snapshot files of a {@link DurableMap} (common/journal.ts): a JSON object of
 * every key, written to a temp file, fsync'd and renamed into place, so a reader
 * only ever sees a whole snapshot. Two writers: a synchronous one (explicit
 * compaction) and one that serializes the live map in slices so the event loop
 * never waits for a step proportional to the map's size (background compaction).
 *
 * @example
 * writeSnapshotSync(path, map);
 * const done = await writeSnapshotInSlices(path, map, () => epoch === current);
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes `map` as the snapshot at `path` (temp file, fsync, rename), synchronously. */
export function writeSnapshotSync(path: string, map: ReadonlyMap<string, unknown>): void {
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(Object.fromEntries(map)));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * Writes `map` as the snapshot at `path`, serialized in slices of ~2 ms, each
 * written out (on the thread pool) before the next starts. Entries changed
 * meanwhile may be captured newer than when it started. Gives up (removing its
 * temp file, resolving false) as soon as `stillCurrent()` is false, e.g. because a
 * synchronous compaction or close made its result stale; resolves true once the
 * snapshot is fsync'd and renamed into place (the rename is not yet durable: see
 * {@link syncDirOf}).
 */
export async function writeSnapshotInSlices(
  path: string,
  map: ReadonlyMap<string, unknown>,
  stillCurrent: () => boolean,
): Promise<boolean> {
  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'w', 0o600);
  try {
    let parts: string[] = [];
    let written = false;
    let sliceStart = performance.now();
    const flush = async (last: boolean) => {
      const body = parts.join(',');
      parts = [];
      const text = `${written ? (body === '' ? '' : ',') : '{'}${body}${last ? '}' : ''}`;
      written = true;
      if (text !== '') await fh.write(text);
    };
    for (const [k, v] of map) {
      parts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
      if ((parts.length & 31) === 0 && performance.now() - sliceStart > 2) {
        await flush(false);
        if (!stillCurrent()) break;
        sliceStart = performance.now();
      }
    }
    if (stillCurrent()) {
      await flush(true);
      await fh.sync();
    }
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    await fh.close();
  }
  if (!stillCurrent()) {
    rmSync(tmp, { force: true });
    return false;
  }
  renameSync(tmp, path);
  return true;
}

/** Makes renames and unlinks in `path`'s directory durable (fsync of the directory). */
export async function syncDirOf(path: string): Promise<void> {
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

let tempSeq = 0;

/** A temp name no other compaction (of this or another open map) is writing. */
function tempPathFor(snapshotPath: string): string {
  return `${snapshotPath}.${process.pid}-${tempSeq++}.tmp`;
}

/** Removes temp snapshots a crash left behind (never renamed, so never part of the state). */
export function removeStaleSnapshotTemps(snapshotPath: string): void {
  const dir = dirname(snapshotPath);
  if (!existsSync(dir)) return;
  const prefix = `${basename(snapshotPath)}.`;
  for (const f of readdirSync(dir)) {
    if (f.startsWith(prefix) && f.endsWith('.tmp')) rmSync(join(dir, f), { force: true });
  }
}
