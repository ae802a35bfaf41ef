/**
 * The version index of one series + measure name: time → (latest Version, fingerprint),
 * which upsert-by-version needs for every record
 * (https://docs.aws.amazon.com/timestream/latest/developerguide/API_WriteRecords.html, "Upserts").
 *
 * Why not a Map: telemetry arrives in time order per series, so almost every record is
 * newer than everything indexed. Those go to the end of three sorted typed arrays (a miss
 * costs one comparison and an entry allocates nothing the GC must trace); an older time is
 * found by binary search. Times that arrive out of order, or are not whole milliseconds,
 * go to a small Map beside the arrays.
 *
 * Bounded by time: an index holds every stored record of its series at or after its
 * `floor` (ms), and before it only those of its *islands* (short stretches read back for
 * late records). The store trims the older half of each index when the indexes pass their
 * bound (everything is on disk then). A write before the floor first reads from disk either
 * just the stretch of its records (`addIsland`) or everything up to the floor (`extend`):
 * the recent times that retries and duplicate batches meet stay in memory, and nothing
 * reloads a whole series.
 */

/** Islands an index keeps before a late write reads everything up to its floor instead. */
export const MAX_ISLANDS = 16;

/** ms as a number when the time is whole milliseconds, else its ns digits */
export type TimeKey = number | string;

/** A stored record's time, version and fingerprint, as an index is built or extended from. */
export interface IndexRow {
  key: TimeKey;
  v: number;
  fp: number;
}

/** The whole milliseconds of a time key (a ns key rounds down, as `recordTime`'s `timeMs`). */
export const msOfKey = (key: TimeKey): number => (typeof key === 'number' ? key : Number(BigInt(key) / 1_000_000n));

export class SeriesIndex {
  private times = new Float64Array(16);
  private versions = new Float64Array(16);
  private fps = new Float64Array(16);
  /** entries in the sorted arrays */
  private n = 0;
  /** out-of-order and sub-millisecond times */
  private readonly others = new Map<TimeKey, { v: number; fp: number }>();
  /** slot of the last `find` hit in the arrays, or -1 for `others` */
  private slot = -1;
  /** the last `find` hit in `others` */
  private found: { v: number; fp: number } = { v: 0, fp: 0 };
  /** the index holds every stored time at or after this (ms), and before it only its islands' */
  private low: number;
  /** stretches before the floor it holds every stored time of: [lo, hi] pairs (ms, inclusive) */
  private islands: number[] = [];

  /**
   * @param floor where the times this index holds start (ms): -Infinity (the default) when
   * it holds all of them (nothing is on disk yet), Infinity when none are loaded yet
   */
  constructor(floor = Number.NEGATIVE_INFINITY) {
    this.low = floor;
  }

  /** The first time (ms) this index holds entries for; records before it are only on disk. */
  get floor(): number {
    return this.low;
  }

  /** Stretches before the floor read back so far. */
  get islandCount(): number {
    return this.islands.length / 2;
  }

  /** Whether a record at `timeMs` can be decided from this index alone. */
  covers(timeMs: number): boolean {
    if (timeMs >= this.low) return true;
    const isl = this.islands;
    for (let i = 0; i < isl.length; i += 2) if (timeMs >= (isl[i] ?? 0) && timeMs <= (isl[i + 1] ?? 0)) return true;
    return false;
  }

  /** entries held */
  get size(): number {
    return this.n + this.others.size;
  }

  /**
   * Looks `key` up; on a hit, `version`/`fingerprint` read the entry and `update` replaces it.
   * Returns false when the time is not indexed.
   */
  find(key: TimeKey): boolean {
    if (typeof key === 'number') {
      const n = this.n;
      // newer than every entry: the common case (a numeric time in `others` is older than
      // the last entry in the arrays, or, while they are empty, before the floor)
      if (n === 0 ? key >= this.low : key > (this.times[n - 1] ?? 0)) return false;
      let lo = 0;
      let hi = n - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const t = this.times[mid] ?? 0;
        if (t === key) {
          this.slot = mid;
          return true;
        }
        if (t < key) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    const e = this.others.get(key);
    if (!e) return false;
    this.slot = -1;
    this.found = e;
    return true;
  }

  /** Version of the entry `find` hit. */
  get version(): number {
    return this.slot >= 0 ? (this.versions[this.slot] ?? 0) : this.found.v;
  }

  /** Fingerprint of the entry `find` hit. */
  get fingerprint(): number {
    return this.slot >= 0 ? (this.fps[this.slot] ?? 0) : this.found.fp;
  }

  /** Replaces the entry `find` hit. */
  update(version: number, fingerprint: number): void {
    if (this.slot >= 0) {
      this.versions[this.slot] = version;
      this.fps[this.slot] = fingerprint;
    } else {
      this.found.v = version;
      this.found.fp = fingerprint;
    }
  }

  /** Adds a time that `find` did not hit. */
  add(key: TimeKey, version: number, fingerprint: number): void {
    const n = this.n;
    if (typeof key === 'number' && key >= this.low && (n === 0 || key > (this.times[n - 1] ?? 0))) {
      if (n === this.times.length) this.grow();
      this.times[n] = key;
      this.versions[n] = version;
      this.fps[n] = fingerprint;
      this.n = n + 1;
      return;
    }
    this.others.set(key, { v: version, fp: fingerprint });
  }

  private grow(): void {
    const cap = this.times.length * 2;
    const t = new Float64Array(cap);
    t.set(this.times);
    const v = new Float64Array(cap);
    v.set(this.versions);
    const f = new Float64Array(cap);
    f.set(this.fps);
    this.times = t;
    this.versions = v;
    this.fps = f;
  }

  /**
   * Forgets the older half of the entries that came in time order, and the out-of-order
   * ones before the oldest entry kept, where the floor moves up to (all of them when fewer
   * than two came in order: the floor then moves just past the newest). Returns how many
   * were forgotten: at least one unless the index is empty. Only for an index whose
   * entries are all on disk.
   */
  trimOlderHalf(): number {
    const before = this.size;
    if (before === 0) return 0;
    const keep = this.n >> 1;
    if (keep === 0) {
      // nothing kept: the floor moves past the newest entry, so the series' next (newer)
      // record needs no read from disk (a series with one record a day, say)
      let newest = this.n > 0 ? (this.times[this.n - 1] ?? 0) : Number.NEGATIVE_INFINITY;
      for (const k of this.others.keys()) newest = Math.max(newest, msOfKey(k));
      this.n = 0;
      this.others.clear();
      this.islands = [];
      this.low = Math.max(this.low, newest + 1);
      return before;
    }
    const from = this.n - keep;
    const floor = this.times[from] ?? 0;
    this.islands = [];
    this.times.copyWithin(0, from, this.n);
    this.versions.copyWithin(0, from, this.n);
    this.fps.copyWithin(0, from, this.n);
    this.n = keep;
    for (const k of this.others.keys()) if (msOfKey(k) < floor) this.others.delete(k);
    this.low = floor;
    return before - this.size;
  }

  /**
   * Adds the stored entries from `fromMs` up to the floor (`rows`: every stored record in
   * that stretch, any order) and moves the floor down to `fromMs`; an entry already held
   * keeps the higher version. Returns how many entries were added.
   */
  extend(rows: readonly IndexRow[], fromMs: number): number {
    if (fromMs >= this.low) return 0;
    const before = this.size;
    const mine: IndexRow[] = [];
    for (let i = 0; i < this.n; i++) mine.push({ key: this.times[i] ?? 0, v: this.versions[i] ?? 0, fp: this.fps[i] ?? 0 });
    for (const [key, e] of this.others) mine.push({ key, v: e.v, fp: e.fp });
    const merged = SeriesIndex.fromRows([...rows, ...mine], fromMs);
    this.times = merged.times;
    this.versions = merged.versions;
    this.fps = merged.fps;
    this.n = merged.n;
    this.others.clear();
    for (const [k, e] of merged.others) this.others.set(k, e);
    this.low = fromMs;
    // islands wholly before the new floor stay; the others are inside it now
    const kept: number[] = [];
    const isl = this.islands;
    for (let i = 0; i < isl.length; i += 2) if ((isl[i + 1] ?? 0) < fromMs) kept.push(isl[i] ?? 0, isl[i + 1] ?? 0);
    this.islands = kept;
    return this.size - before;
  }

  /**
   * Adds the stored entries of the stretch [`lo`, `hi`] (ms, before the floor; `rows`: every
   * stored record in it, any order) as an island. An entry already held (an overlapping
   * island, or a write staged since) keeps the higher version. Returns how many were added.
   */
  addIsland(rows: readonly IndexRow[], lo: number, hi: number): number {
    const before = this.size;
    for (const r of rows) {
      if (this.find(r.key)) {
        if (r.v > this.version) this.update(r.v, r.fp);
      } else this.others.set(r.key, { v: r.v, fp: r.fp });
    }
    this.islands.push(lo, hi);
    return this.size - before;
  }

  /** Builds an index from stored rows (any order; the highest version of a time wins). */
  static fromRows(rows: readonly IndexRow[], floor = Number.NEGATIVE_INFINITY): SeriesIndex {
    const idx = new SeriesIndex(floor);
    const sorted = [...rows].sort((a, b) => {
      const an = typeof a.key === 'number';
      const bn = typeof b.key === 'number';
      if (an !== bn) return an ? -1 : 1;
      if (an && bn) return (a.key as number) - (b.key as number) || a.v - b.v;
      return a.v - b.v;
    });
    for (const r of sorted) {
      if (idx.find(r.key)) {
        if (r.v > idx.version) idx.update(r.v, r.fp);
      } else idx.add(r.key, r.v, r.fp);
    }
    return idx;
  }
}
