import { randomUUID } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Suffix of a file being written; such files are removed at open (a crash left them). */
export const TMP_MARK = '.tmp-';

/**
 * Writes `path` so that a crash leaves either the old file or the whole new one: a
 * temporary file in the same folder, fsynced, renamed over `path`, then the folder
 * fsynced so the rename itself is durable.
 */
export async function writeFileDurably(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}${TMP_MARK}${randomUUID()}`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
  await syncDir(dirname(path));
}

/** fsyncs a folder, making the names created, renamed or removed in it durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Removes a file; one already gone is not an error. */
export async function removeFile(path: string): Promise<void> {
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}
