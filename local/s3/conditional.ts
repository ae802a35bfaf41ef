import type { IncomingHttpHeaders } from 'node:http';
import type { ObjectMeta } from './object-store';
import { S3Error } from './s3-errors';

/**
 * Conditional and range requests on objects, as S3 documents them for GetObject and
 * HeadObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
 * "If-Match" … "Range"; RFC 9110 §13 and §14) and for conditional writes
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
 */

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Whether an `If-Match` / `If-None-Match` list names the ETag (`*` names any). */
function etagListMatches(list: string, etag: string): boolean {
  const bare = (t: string) => t.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
  return list.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}

/** An HTTP date in ms, or undefined when it is not one (an unparsable date is ignored, RFC 9110 §13.1.3). */
function httpDate(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * A read's preconditions: 412 `PreconditionFailed` when `If-Match` fails (or, without
 * it, `If-Unmodified-Since`), 304 when `If-None-Match` matches (or, without it, the
 * object is not modified since `If-Modified-Since`); 'serve' otherwise.
 */
export function readPreconditions(headers: IncomingHttpHeaders, meta: ObjectMeta): 'serve' | 'not-modified' {
  const ifMatch = header(headers, 'if-match');
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, meta.etag)) throw preconditionFailed('If-Match');
  } else {
    const since = httpDate(header(headers, 'if-unmodified-since'));
    if (since !== undefined && meta.lastModified > since) throw preconditionFailed('If-Unmodified-Since');
  }
  const ifNoneMatch = header(headers, 'if-none-match');
  if (ifNoneMatch !== undefined) return etagListMatches(ifNoneMatch, meta.etag) ? 'not-modified' : 'serve';
  const modifiedSince = httpDate(header(headers, 'if-modified-since'));
  return modifiedSince !== undefined && meta.lastModified <= modifiedSince ? 'not-modified' : 'serve';
}

function preconditionFailed(condition: string): S3Error {
  return new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: condition });
}

/**
 * A conditional write's check against the current object: `If-None-Match: *` fails
 * when the key exists, `If-Match` when it does not or its ETag differs (S3 answers a
 * missing key with 404 `NoSuchKey` there).
 */
export function writePrecondition(headers: IncomingHttpHeaders, key: string): (current: ObjectMeta | undefined) => void {
  const ifNoneMatch = header(headers, 'if-none-match');
  const ifMatch = header(headers, 'if-match');
  return (current) => {
    if (ifNoneMatch !== undefined) {
      if (ifNoneMatch.trim() !== '*') throw new S3Error(501, 'NotImplemented', 'If-None-Match on a write accepts only *.', { Header: 'If-None-Match' });
      if (current) throw preconditionFailed('If-None-Match');
    }
    if (ifMatch !== undefined) {
      if (!current) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
      if (!etagListMatches(ifMatch, current.etag)) throw preconditionFailed('If-Match');
    }
  };
}

/**
 * The byte range a `Range: bytes=…` header asks for, inclusive, within `size`;
 * undefined for no range (or one S3 ignores: not `bytes`, several ranges, bad syntax).
 * A range that starts past the end is 416 `InvalidRange`.
 */
export function requestedRange(headers: IncomingHttpHeaders, size: number): { start: number; end: number } | undefined {
  const v = header(headers, 'range');
  const m = v === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(v.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw invalidRange(size, v ?? '');
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size) throw invalidRange(size, v ?? '');
  return { start, end };
}

function invalidRange(size: number, requested: string): S3Error {
  return new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', { RangeRequested: requested, ActualObjectSize: String(size) }, { 'content-range': `bytes */${size}` });
}
