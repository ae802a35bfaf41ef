/**
 * The data dir's format marker, `{dataDir}/pulsepet-data.json`: which layout of files
 * the dir holds and which pulsepet wrote it, so that a pulsepet that cannot read a
 * layout refuses the dir instead of misreading (and then overwriting) it.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CorruptStateError, DirUnusableError } from '../common/startup-errors';

/** The layout this pulsepet reads and writes. Bump it when a change makes older releases misread a dir. */
export const DATA_DIR_FORMAT = 1;

/** The marker's file name inside the data dir. */
export const FORMAT_FILE = 'pulsepet-data.json';

const MarkerSchema = z.object({ format: z.number().int().min(1), writtenBy: z.string() }).passthrough();

/** The marker's contents. */
export type DataDirMarker = z.infer<typeof MarkerSchema>;

/**
 * Reads the marker. Returns undefined when there is none (a new dir, or one from
 * before markers existed: both are read as the current format). Throws a
 * `newer-format` {@link DirUnusableError} naming the pulsepet that wrote the dir
 * when its format is newer than {@link DATA_DIR_FORMAT}, and a
 * {@link CorruptStateError} when the marker does not parse.
 */
export function readDataDirFormat(dataDir: string, ownVersion: string): DataDirMarker | undefined {
  const path = join(dataDir, FORMAT_FILE);
  if (!existsSync(path)) return undefined;
  let marker: DataDirMarker;
  try {
    marker = MarkerSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (e) {
    throw new CorruptStateError(path, `corrupt data dir format marker ${path}`, e);
  }
  if (marker.format > DATA_DIR_FORMAT) {
    throw new DirUnusableError(
      dataDir,
      'newer-format',
      `data dir ${dataDir} was written by ${marker.writtenBy} (data format ${marker.format}); this pulsepet ${ownVersion} reads format ${DATA_DIR_FORMAT}`,
      { writtenBy: marker.writtenBy },
    );
  }
  return marker;
}

/** Writes the marker for the current format (temp file + rename: a crash leaves the old marker or the new one). */
export function writeDataDirFormat(dataDir: string, ownVersion: string): DataDirMarker {
  const marker: DataDirMarker = { format: DATA_DIR_FORMAT, writtenBy: `pulsepet ${ownVersion}` };
  const path = join(dataDir, FORMAT_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(marker)}\n`, { mode: 0o644 });
  renameSync(`${path}.tmp`, path);
  return marker;
}
