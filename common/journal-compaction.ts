/**
 * When a {@link DurableMap} (common/journal.ts) rewrites its snapshot: once its journal
 * holds at least `every` entries and at least `growth` times the snapshot's bytes. The
 * second bound keeps a large map from being rewritten whole for every `every` small
 * changes: each appended byte then costs at most 1 / `growth` bytes of snapshot, however
 * large the map (the shadow store of 10,000 devices wrote its 64 MB snapshot for every
 * 10,000 updates of about 2 KB: 3 bytes of snapshot per journal byte), and a reopen
 * replays at most about `growth` journal bytes per snapshot byte (plus `every` entries).
 * Like Redis's AOF rewrite (`auto-aof-rewrite-percentage`, `auto-aof-rewrite-min-size`).
 *
 * @example
 * const policy = new CompactionPolicy(10_000, 1);
 * policy.appended(lines.length, bytes);
 * if (policy.due()) startCompaction();
 */
export class CompactionPolicy {
  /** entries and bytes in the current journal (replayed on open, then appended) */
  #entries = 0;
  #bytes = 0;
  /** bytes of the snapshot on disk (0: none yet) */
  #snapshotBytes = 0;
  #written = { count: 0, snapshotBytes: 0 };

  constructor(
    private readonly every: number,
    private readonly growth: number,
  ) {
    if (!(growth >= 0)) throw new RangeError(`compactGrowth must be a number >= 0, got ${growth}`);
  }

  /** Lines appended to (or replayed from) the current journal. */
  appended(entries: number, bytes: number): void {
    this.#entries += entries;
    this.#bytes += bytes;
  }

  /** The journal was rotated or truncated: a new one starts empty. */
  journalRestarted(): void {
    this.#entries = 0;
    this.#bytes = 0;
  }

  /** The snapshot on disk now has `bytes`: found on open (`written` false) or just written. */
  snapshotIs(bytes: number, written: boolean): void {
    this.#snapshotBytes = bytes;
    if (!written) return;
    this.#written.count++;
    this.#written.snapshotBytes += bytes;
  }

  due(): boolean {
    return this.#entries >= this.every && this.#bytes >= this.growth * this.#snapshotBytes;
  }

  /** Snapshots written since open and their bytes in all. */
  get written(): { readonly count: number; readonly snapshotBytes: number } {
    return { ...this.#written };
  }
}
