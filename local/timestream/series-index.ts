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
 */

/** ms as a number when the time is whole milliseconds, else its ns digits */
export type TimeKey = number | string;

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
      if (n === 0 || key > (this.times[n - 1] ?? 0)) return false;
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
    if (typeof key === 'number' && (n === 0 || key > (this.times[n - 1] ?? 0))) {
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

  /** Builds an index from stored rows (any order; the highest version of a time wins). */
  static fromRows(rows: ReadonlyArray<{ key: TimeKey; v: number; fp: number }>): SeriesIndex {
    const idx = new SeriesIndex();
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
