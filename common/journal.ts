import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { PulsepetError } from '../protocol/errors';

/**
 * A durable key-value map: every change is appended to a JSON-lines journal and
 * fsync'd before the returned promise resolves (group commit: changes made in the
 * same tick share one fsync). On open the snapshot is loaded and the journal
 * replayed; a torn last line (crash mid-write) is ignored. `compact()` rewrites the
 * snapshot atomically (write temp, fsync, rename) and truncates the journal.
 *
 * @example
 * const j = DurableMap.open<Thing>(join(dataDir, 'registry'), 'things');
 * await j.set('pet-1', thing); // resolves after the write is on disk
 */
export class DurableMap<V> {
  private readonly map = new Map<string, V>();
  private fd: number;
  private pending: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;
  private journalEntries = 0;
  private closed = false;

  private constructor(
    private readonly snapshotPath: string,
    private readonly journalPath: string,
    private readonly compactEvery: number,
  ) {
    mkdirSync(dirname(journalPath), { recursive: true });
    this.load();
    this.fd = openSync(journalPath, 'a', 0o600);
  }

  /** Opens (or creates) `{dir}/{name}.snapshot.json` + `{dir}/{name}.journal`. */
  static open<V>(dir: string, name: string, options: { compactEvery?: number } = {}): DurableMap<V> {
    return new DurableMap<V>(
      join(dir, `${name}.snapshot.json`),
      join(dir, `${name}.journal`),
      options.compactEvery ?? 10_000,
    );
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  /** Sets in memory at once; resolves when durable. */
  set(key: string, value: V): Promise<void> {
    this.map.set(key, value);
    return this.append(JSON.stringify({ k: key, v: value }));
  }

  /** Deletes in memory at once; resolves when durable. */
  delete(key: string): Promise<void> {
    if (!this.map.delete(key)) return Promise.resolve();
    return this.append(JSON.stringify({ k: key, d: 1 }));
  }

  /** Resolves when everything written so far is durable. */
  flush(): Promise<void> {
    if (this.pending.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  compact(): void {
    this.commit();
    const tmp = `${this.snapshotPath}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    writeSync(fd, JSON.stringify(Object.fromEntries(this.map)));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.snapshotPath);
    closeSync(this.fd);
    this.fd = openSync(this.journalPath, 'w', 0o600);
    fsyncSync(this.fd);
    this.journalEntries = 0;
  }

  close(): void {
    if (this.closed) return;
    this.commit();
    this.closed = true;
    closeSync(this.fd);
  }

  private append(line: string): Promise<void> {
    if (this.closed) return Promise.reject(new PulsepetError('PP_ERR_STORE', `store ${this.journalPath} is closed`));
    this.pending.push(line);
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.commit());
    }
    return p;
  }

  private commit(): void {
    this.scheduled = false;
    if (this.pending.length === 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const x of w) x.resolve();
      return;
    }
    const lines = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    try {
      writeSync(this.fd, `${lines.join('\n')}\n`);
      fsyncSync(this.fd);
      this.journalEntries += lines.length;
      for (const w of waiters) w.resolve();
    } catch (e) {
      const err = new PulsepetError('PP_ERR_STORE', `cannot write ${this.journalPath}`, { cause: e });
      for (const w of waiters) w.reject(err);
      return;
    }
    if (this.journalEntries >= this.compactEvery) this.compact();
  }

  private load(): void {
    if (existsSync(this.snapshotPath)) {
      const snap = JSON.parse(readFileSync(this.snapshotPath, 'utf8')) as Record<string, V>;
      for (const [k, v] of Object.entries(snap)) this.map.set(k, v);
    }
    if (!existsSync(this.journalPath)) return;
    const text = readFileSync(this.journalPath, 'utf8');
    const lines = text.split('\n');
    let goodBytes = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (!line) continue;
      let rec: { k: string; v?: V; d?: 1 };
      try {
        rec = JSON.parse(line) as { k: string; v?: V; d?: 1 };
      } catch (e) {
        // Only the last line can be torn by a crash (it was never acknowledged):
        // cut it off so later appends start on a clean line. Anything earlier is corruption.
        if (i >= lines.length - 2) {
          truncateSync(this.journalPath, goodBytes);
          break;
        }
        throw new PulsepetError('PP_ERR_STORE', `corrupt journal ${this.journalPath} at line ${i + 1}`, { cause: e });
      }
      goodBytes += Buffer.byteLength(line, 'utf8') + 1;
      if (rec.d === 1) this.map.delete(rec.k);
      else this.map.set(rec.k, rec.v as V);
      this.journalEntries++;
    }
  }
}
