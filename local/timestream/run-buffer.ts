import { BIGINT, BOOLEAN, DOUBLE, type DuckDBAppender, DuckDBDataChunk, VARCHAR } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { type ColumnMeta, FIXED_COLUMNS } from './catalog';
import type { MeasureScalar, ScalarType } from './measure-values';
import type { NormalizedRecord } from './records';

/**
 * Column-wise staging of the rows one series (dimension set + measure name) writes between
 * two group commits, and their transfer to DuckDB as data chunks through an appender
 * (https://duckdb.org/docs/stable/clients/c/appender, "Appending Data Chunks").
 *
 * Why this layout: a run's series, measure name and dimension values are the same on
 * every row, so each becomes a *constant vector* (one value per chunk instead of one
 * string copied per row, which costs ~0.5 µs per value through N-API); numeric columns
 * are kept in typed arrays and copied into a chunk's vector with one call per column.
 */

/** DuckDB's vector size: the most rows a data chunk holds. */
const CHUNK_ROWS = duckdb.vector_size();
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO32 = 4294967296;
/** an all-invalid validity mask for a whole chunk */
const NO_ROWS_VALID = new Uint8Array(Math.ceil(CHUNK_ROWS / 64) * 8);
const maskBytes = (rows: number): number => Math.ceil(rows / 64) * 8;

/** Writes a safe integer as int64 (two 32-bit words, no bigint). */
function setI64(i32: Int32Array, big: BigInt64Array, i: number, v: number): void {
  if (!LITTLE_ENDIAN) {
    big[i] = BigInt(v);
    return;
  }
  i32[2 * i] = v | 0;
  i32[2 * i + 1] = Math.floor(v / TWO32);
}

/** Writes `ms × 10^6` (epoch ns) as int64 exactly, without a bigint, for 0 ≤ ms < 9.2 × 10^12. */
function setNsOfMs(i32: Int32Array, big: BigInt64Array, i: number, ms: number): void {
  if (!LITTLE_ENDIAN || ms < 0 || ms >= 9_000_000_000_000) {
    big[i] = BigInt(ms) * 1_000_000n;
    return;
  }
  const hi = Math.floor(ms / TWO32);
  const lo = (ms - hi * TWO32) * 1_000_000; // < 2^52: exact
  const loWord = lo % TWO32;
  i32[2 * i] = loWord | 0;
  i32[2 * i + 1] = hi * 1_000_000 + (lo - loWord) / TWO32;
}

/** One measure column's values in a run; rows never written are NULL. */
class ColumnValues {
  private buf: ArrayBuffer;
  private i32: Int32Array;
  private big: BigInt64Array;
  private f64: Float64Array;
  private u8: Uint8Array;
  private readonly strs: string[] = [];
  /** 1 = valid, 0 = NULL; null while every row so far is valid */
  private valid: Uint8Array | null = null;
  /** rows accounted for (written or NULL) */
  filled = 0;

  constructor(
    readonly type: ScalarType,
    private cap: number,
  ) {
    this.buf = new ArrayBuffer(type === 'VARCHAR' ? 0 : cap * (type === 'BOOLEAN' ? 1 : 8));
    this.i32 = new Int32Array(this.buf);
    this.big = new BigInt64Array(this.buf.byteLength % 8 === 0 ? this.buf : new ArrayBuffer(0));
    this.f64 = new Float64Array(this.big.buffer);
    this.u8 = new Uint8Array(this.buf);
  }

  private grow(rows: number): void {
    let cap = this.cap;
    while (cap < rows) cap *= 2;
    if (cap === this.cap) return;
    this.cap = cap;
    if (this.type !== 'VARCHAR') {
      const next = new ArrayBuffer(cap * (this.type === 'BOOLEAN' ? 1 : 8));
      new Uint8Array(next).set(this.u8);
      this.buf = next;
      this.i32 = new Int32Array(next);
      this.big = new BigInt64Array(next.byteLength % 8 === 0 ? next : new ArrayBuffer(0));
      this.f64 = new Float64Array(this.big.buffer);
      this.u8 = new Uint8Array(next);
    }
    if (this.valid) {
      const v = new Uint8Array(cap);
      v.set(this.valid);
      this.valid = v;
    }
  }

  /** Marks rows [filled, upTo) NULL. */
  padNulls(upTo: number): void {
    if (this.filled >= upTo) return;
    this.grow(upTo);
    if (!this.valid) {
      this.valid = new Uint8Array(this.cap);
      this.valid.fill(1, 0, this.filled);
    }
    this.valid.fill(0, this.filled, upTo);
    this.filled = upTo;
  }

  set(row: number, v: MeasureScalar): void {
    this.padNulls(row);
    this.grow(row + 1);
    switch (this.type) {
      case 'DOUBLE':
        this.f64[row] = v as number;
        break;
      case 'BIGINT':
      case 'TIMESTAMP':
        if (typeof v === 'bigint') this.big[row] = v;
        else setI64(this.i32, this.big, row, v as number);
        break;
      case 'BOOLEAN':
        this.u8[row] = v === true ? 1 : 0;
        break;
      case 'VARCHAR':
        this.strs[row] = v as string;
        break;
    }
    if (this.valid) this.valid[row] = 1;
    this.filled = row + 1;
  }

  /** Copies rows [off, off + n) into a chunk's vector. */
  copyTo(vec: duckdb.Vector, off: number, n: number): void {
    if (this.type === 'VARCHAR') {
      for (let i = 0; i < n; i++) {
        if (!this.valid || this.valid[off + i] === 1) duckdb.vector_assign_string_element(vec, i, this.strs[off + i] ?? '');
      }
    } else {
      const width = this.type === 'BOOLEAN' ? 1 : 8;
      duckdb.copy_data_to_vector(vec, 0, this.buf, off * width, n * width);
    }
    if (!this.valid) return;
    let allValid = true;
    for (let i = 0; i < n; i++) {
      if (this.valid[off + i] !== 1) {
        allValid = false;
        break;
      }
    }
    if (allValid) return;
    // DuckDB's validity mask: little-endian 64-bit words, bit i of the mask = row i
    const mask = new Uint8Array(maskBytes(n));
    for (let i = 0; i < n; i++) if (this.valid[off + i] === 1) mask[i >> 3] = (mask[i >> 3] ?? 0) | (1 << (i & 7));
    duckdb.vector_ensure_validity_writable(vec);
    duckdb.copy_data_to_vector_validity(vec, 0, mask.buffer, 0, mask.byteLength);
  }
}

function setAllNull(vec: duckdb.Vector, n: number): void {
  duckdb.vector_ensure_validity_writable(vec);
  duckdb.copy_data_to_vector_validity(vec, 0, NO_ROWS_VALID.buffer, 0, maskBytes(n));
}

const LOGICAL: Record<ScalarType, duckdb.LogicalType> = {
  DOUBLE: DOUBLE.toLogicalType().logical_type,
  BIGINT: BIGINT.toLogicalType().logical_type,
  TIMESTAMP: BIGINT.toLogicalType().logical_type,
  VARCHAR: VARCHAR.toLogicalType().logical_type,
  BOOLEAN: BOOLEAN.toLogicalType().logical_type,
};
const FIXED_LOGICAL = [LOGICAL.VARCHAR, LOGICAL.VARCHAR, LOGICAL.BIGINT, LOGICAL.BIGINT, LOGICAL.DOUBLE];
if (FIXED_LOGICAL.length !== FIXED_COLUMNS.length) throw new Error('fixed column layout mismatch');

/** The DuckDB logical types of a table's columns, in physical order (fixed ones first). */
export function chunkTypes(order: readonly ColumnMeta[]): duckdb.LogicalType[] {
  return [...FIXED_LOGICAL, ...order.map((c) => LOGICAL[c.type])];
}

/**
 * The DuckDB values a series writes on every row (series key, measure name, dimension
 * values), created once per series and kept across commits.
 */
export class RunConstants {
  readonly series: duckdb.Value;
  readonly measureName: duckdb.Value;
  private dimValues: Array<duckdb.Value | undefined> = [];
  private dimsOrder: readonly ColumnMeta[] | undefined;

  constructor(series: string, measureName: string) {
    this.series = duckdb.create_varchar(series);
    this.measureName = duckdb.create_varchar(measureName);
  }

  /** Per table column position: the dimension's value, or undefined (a measure, or a dimension this series lacks). */
  dimsFor(order: readonly ColumnMeta[], dims: ReadonlyArray<[string, string]>): ReadonlyArray<duckdb.Value | undefined> {
    if (this.dimsOrder !== order || this.dimValues.length !== order.length) {
      this.dimValues = order.map((c) => {
        const v = c.kind === 'dimension' ? dims.find(([name]) => name === c.name)?.[1] : undefined;
        return v === undefined ? undefined : duckdb.create_varchar(v);
      });
      this.dimsOrder = order;
    }
    return this.dimValues;
  }
}

/** The rows one series+measure name writes in one group commit, column-wise. */
export class RunBuffer {
  /** rows staged */
  n = 0;
  private cap = 64;
  private timeBuf = new ArrayBuffer(this.cap * 8);
  private timeI32 = new Int32Array(this.timeBuf);
  private timeBig = new BigInt64Array(this.timeBuf);
  private versionBuf = new ArrayBuffer(this.cap * 8);
  private versionI32 = new Int32Array(this.versionBuf);
  private versionBig = new BigInt64Array(this.versionBuf);
  private fp = new Float64Array(this.cap);
  /** measure columns by position in the table's column order */
  private readonly cols: Array<ColumnValues | undefined> = [];

  constructor(
    readonly series: string,
    readonly measureName: string,
    /** the run's dimensions (sorted), the same on every row */
    readonly dims: ReadonlyArray<[string, string]>,
  ) {}

  private growFixed(): void {
    const cap = this.cap * 2;
    const t = new ArrayBuffer(cap * 8);
    new Uint8Array(t).set(new Uint8Array(this.timeBuf));
    const v = new ArrayBuffer(cap * 8);
    new Uint8Array(v).set(new Uint8Array(this.versionBuf));
    const fp = new Float64Array(cap);
    fp.set(this.fp);
    this.timeBuf = t;
    this.timeI32 = new Int32Array(t);
    this.timeBig = new BigInt64Array(t);
    this.versionBuf = v;
    this.versionI32 = new Int32Array(v);
    this.versionBig = new BigInt64Array(v);
    this.fp = fp;
    this.cap = cap;
  }

  /**
   * Stages one record. `columns[j]` is the table column position of the record's j-th
   * measure (`shape.names[j]`), every one of which exists in the table.
   */
  append(r: NormalizedRecord, columns: readonly number[]): void {
    if (this.n === this.cap) this.growFixed();
    const row = this.n;
    if (r.timeNs === undefined) setNsOfMs(this.timeI32, this.timeBig, row, r.timeMs);
    else this.timeBig[row] = r.timeNs;
    setI64(this.versionI32, this.versionBig, row, r.version);
    this.fp[row] = r.fingerprint;
    const types = r.shape.types;
    for (let j = 0; j < columns.length; j++) {
      const pos = columns[j] ?? 0;
      let c = this.cols[pos];
      if (!c) {
        c = new ColumnValues(types[j] ?? 'DOUBLE', this.cap);
        this.cols[pos] = c;
      }
      c.set(row, r.values[j] ?? 0);
    }
    this.n = row + 1;
  }

  /**
   * Appends the staged rows to `appender` as data chunks of at most CHUNK_ROWS rows.
   * `order` is the table's column order the appender was created with.
   */
  appendTo(appender: DuckDBAppender, chunk: duckdb.DataChunk, order: readonly ColumnMeta[], constants: RunConstants): void {
    for (const c of this.cols) c?.padNulls(this.n);
    const dimValues = constants.dimsFor(order, this.dims);
    for (let off = 0; off < this.n; off += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, this.n - off);
      // One chunk per table, reused: creating one allocates every vector at full size
      // (2048 rows × columns), far more than a run of a few dozen rows needs. Reset puts
      // constant vectors and validity masks back to flat, all-valid vectors.
      duckdb.data_chunk_reset(chunk);
      duckdb.data_chunk_set_size(chunk, n);
      duckdb.vector_reference_value(duckdb.data_chunk_get_vector(chunk, 0), constants.series);
      duckdb.vector_reference_value(duckdb.data_chunk_get_vector(chunk, 1), constants.measureName);
      duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(chunk, 2), 0, this.timeBuf, off * 8, n * 8);
      duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(chunk, 3), 0, this.versionBuf, off * 8, n * 8);
      duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(chunk, 4), 0, this.fp.buffer, off * 8, n * 8);
      for (let pos = 0; pos < order.length; pos++) {
        const vec = duckdb.data_chunk_get_vector(chunk, FIXED_COLUMNS.length + pos);
        const dim = dimValues[pos];
        const values = this.cols[pos];
        if (dim !== undefined) duckdb.vector_reference_value(vec, dim);
        else if (values) values.copyTo(vec, off, n);
        else setAllNull(vec, n);
      }
      appender.appendDataChunk(new DuckDBDataChunk(chunk));
    }
  }
}
