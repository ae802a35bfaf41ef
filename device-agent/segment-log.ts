import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { FsyncPolicy } from '../common/fsync-policy';
import type { Logger } from '../common/logger';
import { CorruptStateError } from '../common/startup-errors';

export type { FsyncPolicy } from '../common/fsync-policy';

interface Segment {
  first: number;
  path: string;
  bytes: number;
}

/**
 * The outbox's append-only log on disk: `seg-<first index>.jsonl` files of
 * `index<TAB>json` lines, rotated at `segmentBytes`, deleted whole once every entry
 * in them is acknowledged.
 */
export class SegmentLog {
  private readonly segments: Segment[] = [];
  private fd = -1;
  private dirty = false;

  constructor(
    private readonly dir: string,
    private readonly fsync: FsyncPolicy,
    private readonly segmentBytes: number,
    private readonly log: Logger,
  ) {}

  /**
   * Reads every entry at or after `head` in index order (calling `onEntry`), cuts a
   * torn tail left by a crash, and returns the next free index.
   */
  load(head: number, onEntry: (body: string) => void): number {
    let next = head;
    const files = readdirSync(this.dir)
      .filter((f) => /^seg-\d{16}\.jsonl$/.test(f))
      .sort();
    for (let f = 0; f < files.length; f++) {
      const name = files[f]!;
      const path = join(this.dir, name);
      const text = readFileSync(path, 'utf8');
      let good = 0;
      const rows = text.split('\n');
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r]!;
        if (row === '') continue;
        const tab = row.indexOf('\t');
        const index = Number(row.slice(0, tab));
        const body = row.slice(tab + 1);
        let valid = tab > 0 && Number.isInteger(index);
        if (valid) {
          try {
            JSON.parse(body);
          } catch {
            valid = false;
          }
        }
        if (!valid || (r === rows.length - 1 && !text.endsWith('\n'))) {
          // Only the tail of the newest segment can be torn (its append never resolved).
          if (f === files.length - 1 && r >= rows.length - 2) {
            truncateSync(path, good);
            this.log.warn({ path, keptBytes: good }, 'outbox: cut a torn last entry left by a crash');
            break;
          }
          throw new CorruptStateError(path, `corrupt outbox segment ${path} at line ${r + 1}`);
        }
        good += Buffer.byteLength(row, 'utf8') + 1;
        if (index < head) continue;
        if (index !== next) throw new CorruptStateError(path, `outbox gap in ${path}: expected entry ${next}, found ${index}`);
        onEntry(body);
        next++;
      }
      this.segments.push({ first: Number(name.slice(4, 20)), path, bytes: good });
    }
    // Reopen the newest segment for appends unless it is already full.
    const active = this.segments[this.segments.length - 1];
    if (active !== undefined && active.bytes < this.segmentBytes) this.fd = openSync(active.path, 'a', 0o600);
    return next;
  }

  /** Appends `index<TAB>json` lines starting at entry `first`; fsyncs under `always`. */
  write(first: number, lines: readonly string[]): void {
    this.ensureSegment(first);
    const text = `${lines.join('\n')}\n`;
    writeSync(this.fd, text);
    this.segments[this.segments.length - 1]!.bytes += Buffer.byteLength(text, 'utf8');
    if (this.fsync.kind === 'always') fsyncSync(this.fd);
    else this.dirty = true;
  }

  /** The `interval` policy's timer calls this. */
  syncIfDirty(): void {
    if (this.dirty && this.fd >= 0) {
      this.dirty = false;
      fsyncSync(this.fd);
    }
  }

  /** Deletes segments whose entries are all below `head`; never the active one. */
  deleteBelow(head: number): void {
    while (this.segments.length > 1 && this.segments[1]!.first <= head) {
      const s = this.segments.shift()!;
      try {
        unlinkSync(s.path);
      } catch (e) {
        this.log.warn({ err: e, path: s.path }, 'cannot delete acknowledged outbox segment');
      }
    }
  }

  /** Closes the active segment, fsyncing it first unless `sync` is false (crash simulation) or the policy is `never`. */
  close(sync = true): void {
    if (this.fd < 0) return;
    if (sync && this.fsync.kind !== 'never') fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }

  private ensureSegment(first: number): void {
    const active = this.segments[this.segments.length - 1];
    if (this.fd >= 0 && active !== undefined && active.bytes < this.segmentBytes) return;
    this.close();
    const path = join(this.dir, `seg-${String(first).padStart(16, '0')}.jsonl`);
    this.fd = openSync(path, 'a', 0o600);
    this.segments.push({ first, path, bytes: 0 });
    // A new file's directory entry must be durable too (fsync(2): "fsync on the file
    // does not ensure that the entry in the directory has reached disk").
    if (this.fsync.kind === 'always') {
      const dfd = openSync(this.dir, 'r');
      fsyncSync(dfd);
      closeSync(dfd);
    }
  }
}
