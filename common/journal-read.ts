import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptStateError } from './startup-errors';

/** One journal line: a set (`v`) or a delete (`d: 1`) of key `k`. */
export interface JournalRecord<V> {
  k: string;
  v?: V;
  d?: 1;
}

/**
 * Replays a journal's text, calling `apply` for each record in order. Only the last
 * line can be torn by a crash (its append was never acknowledged): it is skipped, and
 * the byte length of the good prefix is returned so a writer can cut it off. A bad
 * line anywhere else is corruption and throws a {@link CorruptStateError} (`PP_ERR_STORE`).
 */
export function replayJournalText<V>(text: string, path: string, apply: (rec: JournalRecord<V>) => void): { goodBytes: number; torn: boolean } {
  const lines = text.split('\n');
  let goodBytes = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    let rec: JournalRecord<V>;
    try {
      rec = JSON.parse(line) as JournalRecord<V>;
    } catch (e) {
      if (i >= lines.length - 2) return { goodBytes, torn: true };
      throw new CorruptStateError(path, `corrupt journal ${path} at line ${i + 1}`, e);
    }
    goodBytes += Buffer.byteLength(line, 'utf8') + 1;
    apply(rec);
  }
  return { goodBytes, torn: false };
}

/**
 * Reads a snapshot file (`{name}.snapshot.json`, written whole then renamed into place,
 * so it is never torn): one that does not parse is corruption.
 */
export function readSnapshotFile<V>(path: string): Record<string, V> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, V>;
  } catch (e) {
    if (e instanceof SyntaxError) throw new CorruptStateError(path, `corrupt snapshot ${path}: ${e.message}`, e);
    throw e;
  }
}

/** Applies one record to a map. */
export function applyJournalRecord<V>(map: Map<string, V>, rec: JournalRecord<V>): void {
  if (rec.d === 1) map.delete(rec.k);
  else map.set(rec.k, rec.v as V);
}

/**
 * Reads the state of a {@link DurableMap} (`{dir}/{name}.snapshot.json` + journals)
 * without opening it for writing: safe while the process that owns it runs (a line
 * being appended at that moment reads as torn and is left out). Nothing is changed on disk.
 *
 * @example const letters = readDurableMap<DeadLetter>(join(dataDir, 'rules'), 'dead-letters');
 */
export function readDurableMap<V>(dir: string, name: string): Map<string, V> {
  const map = new Map<string, V>();
  const snapshot = join(dir, `${name}.snapshot.json`);
  if (existsSync(snapshot)) {
    for (const [k, v] of Object.entries(readSnapshotFile<V>(snapshot))) map.set(k, v);
  }
  for (const journal of [join(dir, `${name}.journal.old`), join(dir, `${name}.journal`)]) {
    if (!existsSync(journal)) continue;
    replayJournalText<V>(readFileSync(journal, 'utf8'), journal, (rec) => applyJournalRecord(map, rec));
  }
  return map;
}
