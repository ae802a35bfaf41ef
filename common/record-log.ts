import { closeSync, fsync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, truncateSync, unlinkSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { PulsepetError } from '../protocol/errors';
import type { FsyncPolicy } from './fsync-policy';
import { CorruptStateError } from './startup-errors';
import { decode, encode, SEGMENT_RE } from './record-log-format';

export { readRecordLog } from './record-log-format';

/**
 * A durable, disk-bounded log of records for queues whose entries are large (events,
 * dead letters) and must not all be held in memory, unlike {@link DurableMap}.
 *
 * Records are appended to `seg-NNNNNNNNNNNNNNNN.log` segment files in one directory,
 * group-committed (the appends of one tick are written together with writev(2) and,
 * under `always`, fsync'd once before any of them resolves; records nobody awaits with
 * {@link RecordLog.durable} ride on the next fsync, at most {@link UNAWAITED_SYNC_MS}
 * later). Each record is framed as
 * `length u32 | crc32 u32 | body`, body = `type u8 | header length u32 | blob count u8 |
 * blob lengths u32… | header JSON | blobs…`: headers are small JSON, blobs are raw
 * bytes (an event, a payload) never escaped or base64-encoded. A crash can tear only
 * the last record of the newest segment; it fails its CRC and is cut off on open.
 *
 * The caller says when an entry record is no longer needed ({@link RecordLog.retire});
 * a segment is deleted once it and every older segment hold no live entry, so records
 * that refer to an entry (updates, tombstones) are always replayed together with it.
 *
 * @example
 * const { log, records } = RecordLog.open(dir, { fsync: { kind: 'always' } });
 * const ref = log.append('E', { id: 'a' }, [Buffer.from('{"n":1}')]);
 * await log.durable();
 */

/** Where a record lives. */
export interface RecordRef {
  segment: number;
  offset: number;
  length: number;
}

/** Under `always`, the longest a written record nobody awaited waits for its fsync. */
export const UNAWAITED_SYNC_MS = 1000;

/** A record found when the log was opened; blobs are read on demand with {@link RecordLog.readBlobs}. */
export interface ReplayedRecord {
  type: string;
  header: Record<string, unknown>;
  ref: RecordRef;
}

export interface RecordLogOptions {
  fsync: FsyncPolicy;
  /** a segment is closed once it reaches this size (default 64 MiB) */
  segmentBytes?: number;
  /** appends of records marked `bounded` are refused past this many bytes on disk (default unbounded) */
  maxBytes?: number;
}

/** The log holds `maxBytes` already: the caller should refuse the work (throttle), not wait. */
export class RecordLogFullError extends PulsepetError {
  constructor(readonly bytes: number, readonly maxBytes: number) {
    super('PP_ERR_LIMIT', `the log holds ${bytes} of at most ${maxBytes} bytes`);
  }
}

interface Segment {
  seq: number;
  path: string;
  bytes: number;
  /** entry records not yet retired */
  live: number;
  readFd?: number;
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class RecordLog {
  private readonly segments: Segment[] = [];
  private fd = -1;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private waiters: Waiter[] = [];
  private scheduled = false;
  private syncing = false;
  private dirty = false;
  private syncWaiters: Waiter[] = [];
  private readonly timer: NodeJS.Timeout | undefined;
  /** the fsync of written records nobody waits for, under `always` ({@link syncLater}) */
  private lazySync: NodeJS.Timeout | undefined;
  private closed = false;
  /** bumped whenever the append file is fsynced and closed (a segment rotation, close) */
  private fileGeneration = 0;
  private readonly segmentBytes: number;
  /** fsyncs of the append file: how many, their total and longest duration (benchmarks) */
  readonly syncStats = { syncs: 0, totalMs: 0, maxMs: 0 };

  private constructor(
    private readonly dir: string,
    private readonly opts: RecordLogOptions,
  ) {
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    if (opts.fsync.kind === 'interval') {
      this.timer = setInterval(() => {
        if (this.dirty && !this.syncing) this.startSync([]);
      }, opts.fsync.ms);
      this.timer.unref();
    }
  }

  /**
   * Opens (or creates) the log in `dir` and returns every record in append order. A
   * torn tail of the newest segment is cut off; a bad record anywhere else is
   * corruption and throws `PP_ERR_STORE` naming the file.
   */
  static open(dir: string, opts: RecordLogOptions): { log: RecordLog; records: ReplayedRecord[] } {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const log = new RecordLog(dir, opts);
    const records: ReplayedRecord[] = [];
    const names = readdirSync(dir).filter((f) => SEGMENT_RE.test(f)).sort();
    names.forEach((name, i) => {
      const seq = Number(SEGMENT_RE.exec(name)?.[1]);
      const path = join(dir, name);
      const seg: Segment = { seq, path, bytes: 0, live: 0 };
      seg.bytes = log.scan(seg, readFileSync(path), i === names.length - 1, records);
      log.segments.push(seg);
    });
    return { log, records };
  }

  private scan(seg: Segment, buf: Buffer, newest: boolean, out: ReplayedRecord[]): number {
    let offset = 0;
    while (offset < buf.length) {
      const r = decode(buf, offset);
      if (r === undefined) {
        if (!newest) throw new CorruptStateError(seg.path, `corrupt record log segment ${seg.path} at byte ${offset}`);
        // Only the newest segment's last record can be torn (its append never resolved).
        truncateSync(seg.path, offset);
        break;
      }
      if (r.type === 'E') seg.live++;
      out.push({ type: r.type, header: r.header, ref: { segment: seg.seq, offset, length: r.length } });
      offset += r.length;
    }
    return offset;
  }

  /** Bytes the log's segments take on disk (including what is being written). */
  get bytes(): number {
    let n = this.pendingBytes;
    for (const s of this.segments) n += s.bytes;
    return n;
  }

  /** Segments on disk. */
  get segmentCount(): number {
    return this.segments.length;
  }

  /**
   * Appends a record; `E` (entry) records count as live until retired. With `bounded`,
   * a record that would take the log past `maxBytes` is refused with
   * {@link RecordLogFullError} and nothing is written. Resolve durability with
   * {@link durable} (all appends so far) — the ref is known at once.
   */
  append(type: string, header: Record<string, unknown>, blobs: readonly Buffer[] = [], bounded = false): RecordRef {
    if (this.closed) throw new PulsepetError('PP_ERR_STORE', 'the record log is closed');
    const rec = encode(type, header, blobs);
    const max = this.opts.maxBytes;
    if (bounded && max !== undefined && this.bytes + rec.length > max) throw new RecordLogFullError(this.bytes, max);
    const seg = this.activeSegment(rec.length);
    const ref = { segment: seg.seq, offset: seg.bytes + this.pendingBytes, length: rec.length };
    if (type === 'E') seg.live++;
    this.pending.push(rec);
    this.pendingBytes += rec.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.commit());
    }
    return ref;
  }

  /** Resolves when everything appended so far is as durable as the fsync policy says. */
  durable(): Promise<void> {
    return new Promise((resolve, reject) => {
      const w = { resolve, reject };
      if (this.pending.length > 0) this.waiters.push(w);
      else if (this.opts.fsync.kind !== 'always' || this.closed) resolve();
      // written, and an fsync is in flight: it may have started before the write, so wait for the next
      else if (this.syncing) this.syncWaiters.push(w);
      else if (this.dirty) this.startSync([w]);
      else resolve();
    });
  }

  /** Reads the blobs of a record (from disk: the caller decides what to keep in memory). */
  readBlobs(ref: RecordRef): Buffer[] {
    const seg = this.segments.find((s) => s.seq === ref.segment);
    if (seg === undefined) throw new PulsepetError('PP_ERR_STORE', `record log segment ${ref.segment} is gone`);
    if (ref.offset + ref.length > seg.bytes) this.commitNow();
    seg.readFd ??= openSync(seg.path, 'r');
    const buf = Buffer.allocUnsafe(ref.length);
    readSync(seg.readFd, buf, 0, ref.length, ref.offset);
    const r = decode(buf, 0);
    if (r === undefined) throw new PulsepetError('PP_ERR_STORE', `corrupt record in ${seg.path} at byte ${ref.offset}`);
    return r.blobs;
  }

  /** An entry record is no longer needed; old segments with nothing live are deleted. */
  retire(ref: RecordRef): void {
    const seg = this.segments.find((s) => s.seq === ref.segment);
    if (seg === undefined) return;
    seg.live--;
    while (this.segments.length > 1 && (this.segments[0]?.live ?? 1) <= 0) {
      const head = this.segments.shift() as Segment;
      if (head.readFd !== undefined) closeSync(head.readFd);
      unlinkSync(head.path);
    }
  }

  /** Writes and fsyncs everything now (shutdown). */
  close(): void {
    if (this.closed) return;
    this.commitNow();
    if (this.fd >= 0) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
      this.fileGeneration++;
    }
    for (const s of this.segments) if (s.readFd !== undefined) closeSync(s.readFd);
    clearInterval(this.timer);
    clearTimeout(this.lazySync);
    this.closed = true;
    const w = [...this.waiters, ...this.syncWaiters];
    this.waiters = [];
    this.syncWaiters = [];
    for (const x of w) x.resolve();
  }

  private activeSegment(incoming: number): Segment {
    let seg = this.segments[this.segments.length - 1];
    if (seg === undefined || (seg.bytes + this.pendingBytes > 0 && seg.bytes + this.pendingBytes + incoming > this.segmentBytes)) {
      this.commitNow();
      if (this.fd >= 0) {
        fsyncSync(this.fd);
        closeSync(this.fd);
        this.fd = -1;
        this.fileGeneration++;
      }
      const seq = seg === undefined ? 0 : seg.seq + 1;
      seg = { seq, path: join(this.dir, `seg-${String(seq).padStart(16, '0')}.log`), bytes: 0, live: 0 };
      this.segments.push(seg);
    }
    return seg;
  }

  private commitNow(): void {
    if (this.pending.length === 0) return;
    this.scheduled = false;
    const seg = this.segments[this.segments.length - 1] as Segment;
    if (this.fd < 0) this.fd = openSync(seg.path, 'a', 0o600);
    const bufs = this.pending;
    const n = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    try {
      for (let i = 0; i < bufs.length; i += 1024) writevSync(this.fd, bufs.slice(i, i + 1024));
    } catch (e) {
      // A failed write leaves the segment's tail unknown: refuse further appends.
      this.closed = true;
      this.fail(this.waiters.splice(0), new PulsepetError('PP_ERR_STORE', `record log write failed: ${String(e)}`, { cause: e }));
      return;
    }
    seg.bytes += n;
    this.dirty = true;
  }

  private commit(): void {
    if (this.closed) return;
    this.commitNow();
    const waiters = this.waiters.splice(0);
    if (this.opts.fsync.kind !== 'always') {
      for (const w of waiters) w.resolve();
      return;
    }
    if (this.syncing) this.syncWaiters.push(...waiters);
    else if (waiters.length === 0) this.syncLater();
    else if (this.dirty) this.startSync(waiters);
    // an fsync that began after their write has completed
    else for (const w of waiters) w.resolve();
  }

  /**
   * Under `always`, written records nobody waits for (a queue's done and attempt markers)
   * are fsynced with the next awaited append, or within {@link UNAWAITED_SYNC_MS}: they
   * are in the page cache already (kill -9 keeps them), and one fsync per marker doubled
   * the Lambda queue's fsyncs.
   */
  private syncLater(): void {
    if (!this.dirty || this.lazySync !== undefined) return;
    this.lazySync = setTimeout(() => {
      this.lazySync = undefined;
      if (this.dirty && !this.syncing && !this.closed) this.startSync([]);
    }, UNAWAITED_SYNC_MS);
    this.lazySync.unref();
  }

  private startSync(waiters: Waiter[]): void {
    const fd = this.fd;
    if (fd < 0) {
      // The file was fsynced and closed (segment rotation, close) after these writes and
      // nothing was written since (a write opens the next file): they are durable.
      this.dirty = false;
      for (const w of waiters) w.resolve();
      return;
    }
    this.syncing = true;
    this.dirty = false;
    const generation = this.fileGeneration;
    const t0 = performance.now();
    fsync(fd, (err) => {
      this.syncing = false;
      const ms = performance.now() - t0;
      this.syncStats.syncs++;
      this.syncStats.totalMs += ms;
      this.syncStats.maxMs = Math.max(this.syncStats.maxMs, ms);
      // An error from a file closed meanwhile is moot: it was fsynced before it was closed.
      if (err && generation === this.fileGeneration) this.fail(waiters, new PulsepetError('PP_ERR_STORE', `record log fsync failed: ${err.message}`, { cause: err }));
      else for (const w of waiters) w.resolve();
      // Appends committed while this fsync ran wait for the next one.
      const next = this.syncWaiters.splice(0);
      if (next.length > 0) this.startSync(next);
      else if (this.opts.fsync.kind === 'always') this.syncLater();
    });
  }

  private fail(waiters: Waiter[], e: unknown): void {
    for (const w of waiters) w.reject(e);
  }
}

/** The size of a record log's directory on disk, for metrics and tests. */
export function recordLogBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) if (SEGMENT_RE.test(f)) n += statSync(join(dir, f)).size;
  return n;
}

