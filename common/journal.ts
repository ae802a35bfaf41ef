import {
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { PulsepetError } from '../protocol/errors';
import type { FsyncPolicy } from './fsync-policy';
import { CompactionPolicy } from './journal-compaction';
import { applyJournalRecord, readSnapshotFile, replayJournalText } from './journal-read';
import { removeStaleSnapshotTemps, syncDirOf, writeSnapshotInSlices, writeSnapshotSync } from './journal-snapshot';

/** Options of {@link DurableMap.open}. */
export interface DurableMapOptions {
  /** journal entries before the snapshot may be rewritten (default 10,000) */
  compactEvery?: number;
  /** journal bytes per snapshot byte before it may be rewritten (default 1; 0: `compactEvery` alone) */
  compactGrowth?: number;
  /** when a change counts as durable (default `always`) */
  fsync?: FsyncPolicy;
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * A durable key-value map: every change is appended to a JSON-lines journal, and
 * the returned promise resolves when the change is as durable as the map's
 * {@link FsyncPolicy} says. Group commit: the changes of one tick are written
 * together (a synchronous append to the page cache, which keeps their order).
 * Under `always` (the default) they are then fsync'd on the libuv thread pool, so
 * the event loop never waits for the disk, and resolve after it; while one fsync
 * is in flight the next changes are queued and committed as one batch when it
 * completes. Under `interval:MS` and `never` they resolve once written (which
 * survives kill -9, not power loss); `interval` fsyncs every MS while anything is
 * unsynced, and `flush()` always waits for an fsync. On open the snapshot is
 * loaded and the journal replayed; a torn last line (crash mid-write) is ignored.
 *
 * Once the journal holds at least `compactEvery` entries and at least
 * `compactGrowth` times the snapshot's bytes (journal-compaction.ts), the snapshot
 * is rewritten without stopping the event loop: the journal is rotated (renamed to
 * `.journal.old`, a fresh one takes the new writes), the map is serialized in slices between other work, written to
 * a temp file on the thread pool, fsync'd and renamed over the snapshot; then the
 * old journal is removed. At every step the files on disk replay to the
 * acknowledged state: snapshot + old journal + journal, where replaying a journal
 * suffix over a later snapshot is harmless because set/delete are absolute.
 * fsync(2): data written before the call is durable when it returns.
 *
 * @example
 * const j = DurableMap.open<Thing>(join(dataDir, 'registry'), 'things');
 * await j.set('pet-1', thing); // resolves after the write is on disk
 */
export class DurableMap<V> {
  private readonly map = new Map<string, V>();
  private fd: number;
  /** lines not yet written, and who waits for them (or for a flush) */
  private pending: string[] = [];
  /** who waits for an fsync covering what is written or pending */
  private waiters: Waiter[] = [];
  /** `interval`/`never`: who waits for the pending lines to be written */
  private writeWaiters: Waiter[] = [];
  /** lines were written since the last fsync started */
  private dirty = false;
  private readonly syncTimer: NodeJS.Timeout | undefined;
  /** a journal a compaction rotated away with unsynced lines, while its fsync is in flight */
  private rotated: { fd: number; synced: Promise<void> } | undefined;
  /** written lines whose fsync is in flight */
  private syncingWaiters: Waiter[] = [];
  private syncing = false;
  /** bumped when a synchronous drain supersedes the fsync in flight */
  private syncEpoch = 0;
  private scheduled = false;
  private closed = false;
  /** a background compaction is writing the snapshot */
  private compacting = false;
  /** bumped by every synchronous compaction and by close: a background one then gives up */
  private compactEpoch = 0;
  private readonly oldJournalPath: string;

  private constructor(
    private readonly snapshotPath: string,
    private readonly journalPath: string,
    private readonly compaction: CompactionPolicy,
    private readonly fsyncPolicy: FsyncPolicy,
  ) {
    mkdirSync(dirname(journalPath), { recursive: true });
    this.oldJournalPath = `${journalPath}.old`;
    removeStaleSnapshotTemps(snapshotPath);
    const interrupted = existsSync(this.oldJournalPath);
    this.load();
    this.fd = openSync(journalPath, 'a', 0o600);
    // A crash cut a background compaction short: fold the old journal in now.
    if (interrupted) this.compact();
    if (fsyncPolicy.kind === 'interval') {
      this.syncTimer = setInterval(() => {
        if (this.dirty && !this.syncing && !this.closed) this.startSync();
      }, fsyncPolicy.ms);
      this.syncTimer.unref();
    }
  }

  /**
   * Opens (or creates) `{dir}/{name}.snapshot.json` + `{dir}/{name}.journal`.
   * `fsync` defaults to `always`; `compactEvery` (default 10,000 entries) and
   * `compactGrowth` (default 1, the journal's bytes per snapshot byte; 0: entries alone)
   * say when the snapshot is rewritten.
   */
  static open<V>(dir: string, name: string, options: DurableMapOptions = {}): DurableMap<V> {
    return new DurableMap<V>(
      join(dir, `${name}.snapshot.json`),
      join(dir, `${name}.journal`),
      new CompactionPolicy(options.compactEvery ?? 10_000, options.compactGrowth ?? 1),
      options.fsync ?? { kind: 'always' },
    );
  }

  /** When a change's promise resolves: after fsync (`always`) or after write(2). */
  get fsync(): FsyncPolicy {
    return this.fsyncPolicy;
  }

  get size(): number {
    return this.map.size;
  }

  /** Snapshots written since open (compactions, explicit ones included) and their bytes in all. */
  get compactions(): { readonly count: number; readonly snapshotBytes: number } {
    return this.compaction.written;
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

  /** Resolves when everything written so far is fsync'd, whatever the policy. */
  flush(): Promise<void> {
    const rotated = this.rotated?.synced;
    if (this.pending.length === 0 && !this.scheduled && !this.syncing && !this.dirty) return rotated ?? Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.schedule();
    return rotated ? Promise.all([rotated, p]).then(() => undefined) : p;
  }

  /**
   * Rewrites the snapshot and truncates the journal, synchronously (the automatic
   * compaction (see the class comment) runs in the background instead).
   */
  compact(): void {
    this.drainSync();
    this.compactEpoch++;
    writeSnapshotSync(this.snapshotPath, this.map);
    this.compaction.snapshotIs(statSync(this.snapshotPath).size, true);
    closeSync(this.fd);
    this.fd = openSync(this.journalPath, 'w', 0o600);
    fsyncSync(this.fd);
    rmSync(this.oldJournalPath, { force: true });
    this.compaction.journalRestarted();
  }

  /** Makes everything durable (synchronously) and closes the journal; a background compaction is abandoned. */
  close(): void {
    if (this.closed) return;
    if (this.syncTimer) clearInterval(this.syncTimer);
    this.drainSync();
    this.closed = true;
    this.compactEpoch++;
    closeSync(this.fd);
  }

  /**
   * Starts a background compaction. Called with no fsync in flight: the current
   * journal becomes the old journal (fsync'd on its own if it holds unsynced lines), and
   * the lines of later commits go to a fresh one. If an earlier background
   * compaction failed the old journal is still needed, so the journal is not
   * rotated this time. The snapshot is serialized from the live map; the new
   * journal also holds every change made meanwhile, and replaying it over the
   * snapshot gives the same state. Once the snapshot is in place the old journal
   * is removed.
   */
  private startCompaction(): void {
    if (this.compacting || this.closed) return;
    this.compacting = true;
    if (!existsSync(this.oldJournalPath)) {
      const rotated = this.fd;
      renameSync(this.journalPath, this.oldJournalPath);
      this.fd = openSync(this.journalPath, 'a', 0o600);
      this.compaction.journalRestarted();
      if (this.dirty) {
        // `interval`/`never`: the rotated journal may hold unsynced lines; they
        // get their fsync on the thread pool (flush and close wait for it), then it closes
        this.dirty = false;
        this.syncRotated(rotated);
      } else closeSync(rotated);
    }
    const epoch = this.compactEpoch;
    // a synchronous compaction or close meanwhile makes this one stale: its files are newer
    writeSnapshotInSlices(this.snapshotPath, this.map, () => epoch === this.compactEpoch)
      .then(async (inPlace) => {
        if (!inPlace) return;
        this.compaction.snapshotIs(statSync(this.snapshotPath).size, true);
        unlinkSync(this.oldJournalPath);
        await syncDirOf(this.snapshotPath);
      })
      .catch(() => {
        // Nothing is lost: snapshot + old journal + journal still replay to the
        // acknowledged state, and the next compaction tries again.
      })
      .finally(() => {
        this.compacting = false;
      });
  }

  private syncRotated(fd: number): void {
    const synced = new Promise<void>((resolve, reject) => {
      fsync(fd, (err) => {
        closeSync(fd);
        if (this.rotated?.fd === fd) this.rotated = undefined;
        if (err) reject(new PulsepetError('PP_ERR_STORE', `cannot fsync ${this.oldJournalPath}`, { cause: err }));
        else resolve();
      });
    });
    // a failure reaches whoever flushes meanwhile; the snapshot being written covers these lines anyway
    synced.catch(() => undefined);
    this.rotated = { fd, synced };
  }

  private append(line: string): Promise<void> {
    if (this.closed) return Promise.reject(new PulsepetError('PP_ERR_STORE', `store ${this.journalPath} is closed`));
    this.pending.push(line);
    const waiters = this.fsyncPolicy.kind === 'always' ? this.waiters : this.writeWaiters;
    const p = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
    this.schedule();
    return p;
  }

  /**
   * One commit per tick. Under `always`, while an fsync is in flight its
   * completion starts the next; under the other policies writes never wait for one.
   */
  private schedule(): void {
    if (this.scheduled || (this.syncing && this.fsyncPolicy.kind === 'always')) return;
    this.scheduled = true;
    setImmediate(() => this.commit());
  }

  /** Writes the pending lines, answers who waited for the write, and starts an fsync if one is waited for. */
  private commit(): void {
    this.scheduled = false;
    if (this.closed) return;
    const always = this.fsyncPolicy.kind === 'always';
    if (this.syncing && always) return;
    const lines = this.pending;
    const written = this.writeWaiters;
    this.pending = [];
    this.writeWaiters = [];
    if (lines.length > 0) {
      let bytes: number;
      try {
        bytes = writeSync(this.fd, `${lines.join('\n')}\n`);
      } catch (e) {
        // under `always` the lines' waiters are the fsync waiters
        const failed = always ? this.waiters : written;
        if (always) this.waiters = [];
        this.fail(failed, e);
        return;
      }
      this.compaction.appended(lines.length, bytes);
      this.dirty = true;
    }
    for (const w of written) w.resolve();
    // an fsync in flight (`interval`/`never`) starts the next one when it completes
    if (this.syncing) return;
    if (this.waiters.length > 0) {
      if (this.dirty) this.startSync();
      else this.resolveAll(); // the last fsync covered everything written
    } else if (!always && this.compaction.due()) this.startCompaction();
  }

  private resolveAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
  }

  /** fsyncs what is written on the thread pool, then answers who waited for it. */
  private startSync(): void {
    this.syncing = true;
    this.dirty = false;
    this.syncingWaiters = this.waiters;
    this.waiters = [];
    const epoch = this.syncEpoch;
    fsync(this.fd, (err) => {
      // A synchronous drain (close/compact) already made these lines durable and answered.
      if (epoch !== this.syncEpoch) return;
      this.syncing = false;
      const done = this.syncingWaiters;
      this.syncingWaiters = [];
      if (err) {
        // under `interval`/`never` the lines may still be unsynced: the next fsync retries
        this.dirty = true;
        this.fail(done, err);
      } else for (const w of done) w.resolve();
      if (this.compaction.due()) this.startCompaction();
      if (this.pending.length > 0 || this.waiters.length > 0) this.commit();
    });
  }

  /**
   * Writes what is pending and fsyncs on the event loop: one fsync covers the batch
   * in flight too, so its waiters are answered here and its callback is ignored.
   */
  private drainSync(): void {
    const waiters = [...this.syncingWaiters, ...this.waiters, ...this.writeWaiters];
    const lines = this.pending;
    this.syncEpoch++;
    this.syncing = false;
    this.dirty = false;
    this.syncingWaiters = [];
    this.pending = [];
    this.waiters = [];
    this.writeWaiters = [];
    try {
      if (lines.length > 0) this.compaction.appended(lines.length, writeSync(this.fd, `${lines.join('\n')}\n`));
      fsyncSync(this.fd);
      // its asynchronous fsync may still be in flight (the fd stays open until it completes)
      if (this.rotated) fsyncSync(this.rotated.fd);
    } catch (e) {
      this.fail(waiters, e);
      return;
    }
    for (const w of waiters) w.resolve();
  }

  private fail(waiters: Waiter[], e: unknown): void {
    const err = new PulsepetError('PP_ERR_STORE', `cannot write ${this.journalPath}`, { cause: e });
    for (const w of waiters) w.reject(err);
  }

  private load(): void {
    if (existsSync(this.snapshotPath)) {
      for (const [k, v] of Object.entries(readSnapshotFile<V>(this.snapshotPath))) this.map.set(k, v);
      this.compaction.snapshotIs(statSync(this.snapshotPath).size, false);
    }
    // the journal a background compaction rotated away, then the current one
    if (existsSync(this.oldJournalPath)) this.replay(this.oldJournalPath);
    if (existsSync(this.journalPath)) this.replay(this.journalPath);
  }

  private replay(path: string): void {
    let entries = 0;
    const r = replayJournalText<V>(readFileSync(path, 'utf8'), path, (rec) => {
      applyJournalRecord(this.map, rec);
      entries++;
    });
    this.compaction.appended(entries, r.goodBytes);
    // Cut a torn last line off so later appends start on a clean line.
    if (r.torn) truncateSync(path, r.goodBytes);
  }
}
