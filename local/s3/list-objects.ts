import type { ObjectMeta } from './object-store';
import { firstIndexAfter } from './key-order';
import { S3Error } from './s3-errors';
import { el, els, type XmlRaw, XmlRaw as Raw, xmlDocument } from './s3-xml';

/**
 * ListObjectsV2 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html):
 * keys in UTF-8 binary order after `start-after` or the continuation token, filtered
 * by `prefix`, rolled up into `CommonPrefixes` at the first `delimiter` after the
 * prefix, at most `max-keys` entries (keys and common prefixes together) a page.
 */

export const MAX_KEYS = 1000;

export interface ListParams {
  prefix: string;
  delimiter: string;
  maxKeys: number;
  startAfter: string;
  continuationToken: string | undefined;
  encodingUrl: boolean;
  fetchOwner: boolean;
}

/** The token names the last entry of the page: a key, or a common prefix (whose keys are all skipped). */
interface Token {
  after: string;
  prefix: boolean;
}

function encodeToken(t: Token): string {
  return Buffer.from(JSON.stringify({ a: t.after, p: t.prefix }), 'utf8').toString('base64');
}

function decodeToken(s: string): Token {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64').toString('utf8')) as { a?: unknown; p?: unknown };
    if (typeof v.a === 'string' && typeof v.p === 'boolean') return { after: v.a, prefix: v.p };
  } catch {
    // answered below
  }
  throw new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token', ArgumentValue: s });
}

/** The list parameters of a query, validated as S3 does. */
export function listParams(q: URLSearchParams): ListParams {
  const max = q.get('max-keys');
  if (max !== null && !/^\d+$/.test(max)) {
    throw new S3Error(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: max });
  }
  const encoding = q.get('encoding-type');
  if (encoding !== null && encoding !== 'url') {
    throw new S3Error(400, 'InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: encoding });
  }
  return {
    prefix: q.get('prefix') ?? '',
    delimiter: q.get('delimiter') ?? '',
    maxKeys: max === null ? MAX_KEYS : Math.min(Number(max), MAX_KEYS),
    startAfter: q.get('start-after') ?? '',
    continuationToken: q.get('continuation-token') ?? undefined,
    encodingUrl: encoding === 'url',
    fetchOwner: q.get('fetch-owner') === 'true',
  };
}

export interface ListPage {
  contents: string[];
  commonPrefixes: string[];
  nextToken: string | undefined;
}

/** One page of keys (`sorted` in S3's order) for `p`. */
export function listPage(sorted: readonly string[], p: ListParams): ListPage {
  const token = p.continuationToken === undefined ? undefined : decodeToken(p.continuationToken);
  const from = token?.after ?? p.startAfter;
  const contents: string[] = [];
  const commonPrefixes: string[] = [];
  let last: Token | undefined;
  let i = Math.max(firstIndexAfter(sorted, from), firstIndexAfter(sorted, p.prefix, true));
  for (; i < sorted.length; i++) {
    const key = sorted[i] as string;
    if (!key.startsWith(p.prefix)) break;
    if (token?.prefix && key.startsWith(token.after)) continue;
    const cut = p.delimiter === '' ? -1 : key.indexOf(p.delimiter, p.prefix.length);
    const entry: Token = cut < 0 ? { after: key, prefix: false } : { after: key.slice(0, cut + p.delimiter.length), prefix: true };
    if (entry.prefix && last?.prefix && last.after === entry.after) continue;
    if (contents.length + commonPrefixes.length >= p.maxKeys) return { contents, commonPrefixes, nextToken: last && encodeToken(last) };
    (entry.prefix ? commonPrefixes : contents).push(entry.after);
    last = entry;
  }
  return { contents, commonPrefixes, nextToken: undefined };
}

/** The owner S3 names for the local account's objects (`fetch-owner=true`). */
const OWNER_ID = '0'.repeat(64);

/** The `ListBucketResult` document of a page. */
export function listResultXml(bucket: string, p: ListParams, page: ListPage, metaOf: (key: string) => ObjectMeta | undefined): string {
  const enc = (s: string): string => (p.encodingUrl ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
  const contents = page.contents.flatMap((key) => {
    const m = metaOf(key);
    if (!m) return [];
    const owner: XmlRaw | undefined = p.fetchOwner ? els([['ID', OWNER_ID], ['DisplayName', 'pulsepet-local']]) : undefined;
    return [
      el(
        'Contents',
        els([
          ['Key', enc(key)],
          ['LastModified', new Date(m.lastModified).toISOString()],
          ['ETag', m.etag],
          ['ChecksumAlgorithm', m.checksum?.algorithm],
          ['ChecksumType', m.checksum ? 'FULL_OBJECT' : undefined],
          ['Size', m.size],
          ['Owner', owner],
          ['StorageClass', 'STANDARD'],
        ]),
      ),
    ];
  });
  const prefixes = page.commonPrefixes.map((cp) => el('CommonPrefixes', els([['Prefix', enc(cp)]])));
  const head = els([
    ['Name', bucket],
    ['Prefix', enc(p.prefix)],
    ['Delimiter', p.delimiter === '' ? undefined : enc(p.delimiter)],
    ['MaxKeys', p.maxKeys],
    ['EncodingType', p.encodingUrl ? 'url' : undefined],
    ['KeyCount', page.contents.length + page.commonPrefixes.length],
    ['IsTruncated', page.nextToken !== undefined],
    ['ContinuationToken', p.continuationToken],
    ['NextContinuationToken', page.nextToken],
    ['StartAfter', p.startAfter === '' ? undefined : enc(p.startAfter)],
  ]);
  return xmlDocument('ListBucketResult', new Raw(head.xml + contents.join('') + prefixes.join('')));
}
