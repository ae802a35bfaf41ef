import { createHash } from 'node:crypto';
import type { DuckDBValue } from '@duckdb/node-api';
import { ulid } from 'ulid';
import { validationError } from './errors';
import type { SqlType } from './query-translator';

/**
 * Query results in Timestream's response shape
 * (https://docs.aws.amazon.com/timestream/latest/developerguide/API_query_Query.html):
 * `ColumnInfo[].Type.ScalarType`, `Rows[].Data[].ScalarValue | NullValue`, and `NextToken`
 * pagination. A query runs once; its rows are kept for a while so that every page comes
 * from the same snapshot and a token asked twice answers the same page (stable tokens).
 */

export interface Datum {
  ScalarValue?: string;
  NullValue?: boolean;
}
export interface ColumnInfo {
  Name: string;
  Type: { ScalarType: string };
}
export interface QueryPage {
  QueryId: string;
  Rows: Array<{ Data: Datum[] }>;
  ColumnInfo: ColumnInfo[];
  NextToken?: string;
  QueryStatus: { ProgressPercentage: number; CumulativeBytesScanned: number; CumulativeBytesMetered: number };
}

/** Timestream's MaxRows bound; without MaxRows a page is capped by size (about 1 MB). */
export const MAX_ROWS_LIMIT = 1000;
const DEFAULT_PAGE_BYTES = 1_000_000;
const RESULT_TTL_MS = 10 * 60_000;
const MAX_CACHED = 64;

/** `YYYY-MM-DD HH:MM:SS.nnnnnnnnn` from epoch nanoseconds, as Timestream prints TIMESTAMP. */
export function formatTimestampNs(ns: bigint): string {
  const secs = ns >= 0n ? ns / 1_000_000_000n : -((-ns + 999_999_999n) / 1_000_000_000n);
  const frac = ns - secs * 1_000_000_000n;
  const iso = new Date(Number(secs) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${frac.toString().padStart(9, '0')}`;
}

/** DOUBLE as Timestream prints it (whole numbers keep a `.0`). */
function formatDouble(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return `${n}.0`;
  return String(n);
}

function toDatum(v: DuckDBValue, type: SqlType): Datum {
  if (v === null || v === undefined) return { NullValue: true };
  switch (type) {
    case 'TIMESTAMP':
      return { ScalarValue: formatTimestampNs(typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)))) };
    case 'DOUBLE':
      return { ScalarValue: formatDouble(Number(v)) };
    case 'BIGINT':
      return { ScalarValue: typeof v === 'bigint' ? v.toString() : String(Math.trunc(Number(v))) };
    case 'BOOLEAN':
      return { ScalarValue: v === true ? 'true' : 'false' };
    default:
      return { ScalarValue: String(v) };
  }
}

interface CachedResult {
  queryId: string;
  queryHash: string;
  columns: ColumnInfo[];
  rows: Array<{ Data: Datum[] }>;
  expires: number;
}

interface TokenBody {
  q: string;
  o: number;
  n: number;
}

const hashQuery = (s: string): string => createHash('sha256').update(s).digest('base64url').slice(0, 16);

/** Holds executed results and serves them page by page. */
export class QueryResultCache {
  private readonly results = new Map<string, CachedResult>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Stores a fresh result and returns its first page. */
  firstPage(
    queryString: string,
    columns: Array<{ name: string; type: SqlType }>,
    raw: DuckDBValue[][],
    maxRows: number | undefined,
  ): QueryPage {
    this.evict();
    const info: ColumnInfo[] = columns.map((c) => ({ Name: c.name, Type: { ScalarType: c.type } }));
    const rows = raw.map((r) => ({ Data: r.map((v, i) => toDatum(v, columns[i]!.type)) }));
    const res: CachedResult = {
      queryId: `AEDQ${ulid()}`,
      queryHash: hashQuery(queryString),
      columns: info,
      rows,
      expires: this.now() + RESULT_TTL_MS,
    };
    this.results.set(res.queryId, res);
    return this.page(res, 0, maxRows);
  }

  /** The page a NextToken names; the query string must be the one that started the query. */
  nextPage(queryString: string, token: string, maxRows: number | undefined): QueryPage {
    let body: TokenBody;
    try {
      body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as TokenBody;
    } catch {
      throw validationError('The NextToken is invalid.');
    }
    const res = typeof body?.q === 'string' ? this.results.get(body.q) : undefined;
    if (!res || res.expires < this.now()) throw validationError('The NextToken is invalid or has expired.');
    if (res.queryHash !== hashQuery(queryString)) {
      throw validationError('The QueryString does not match the query that issued the NextToken.');
    }
    if (!Number.isInteger(body.o) || body.o < 0 || body.o > res.rows.length) throw validationError('The NextToken is invalid.');
    return this.page(res, body.o, maxRows ?? (body.n > 0 ? body.n : undefined));
  }

  private page(res: CachedResult, offset: number, maxRows: number | undefined): QueryPage {
    let end = offset;
    if (maxRows !== undefined) end = Math.min(res.rows.length, offset + maxRows);
    else {
      let bytes = 0;
      while (end < res.rows.length && (end === offset || bytes < DEFAULT_PAGE_BYTES)) {
        bytes += JSON.stringify(res.rows[end]).length;
        end++;
      }
    }
    const page: QueryPage = {
      QueryId: res.queryId,
      Rows: res.rows.slice(offset, end),
      ColumnInfo: res.columns,
      QueryStatus: { ProgressPercentage: 100, CumulativeBytesScanned: 0, CumulativeBytesMetered: 0 },
    };
    if (end < res.rows.length) {
      const tb: TokenBody = { q: res.queryId, o: end, n: maxRows ?? 0 };
      page.NextToken = Buffer.from(JSON.stringify(tb)).toString('base64url');
    }
    return page;
  }

  /** CancelQuery: forget a result. */
  cancel(queryId: string): boolean {
    return this.results.delete(queryId);
  }

  private evict(): void {
    const now = this.now();
    for (const [id, r] of this.results) if (r.expires < now) this.results.delete(id);
    while (this.results.size >= MAX_CACHED) {
      const oldest = this.results.keys().next().value;
      if (oldest === undefined) break;
      this.results.delete(oldest);
    }
  }
}
