import type { IncomingHttpHeaders } from 'node:http';
import { algorithmOfHeader, type ChecksumAlgorithm, checksumHeader, computeChecksum, md5 } from './checksums';
import type { ObjectAttributes, ObjectMeta } from './object-store';
import { S3Error } from './s3-errors';

/**
 * The headers of S3's object operations: what PutObject keeps
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html) and what
 * GetObject / HeadObject answer with (API_GetObject.html, API_HeadObject.html).
 */

/** "The PUT request header is limited to 8 KB … the user-defined metadata is limited to 2 KB" (UsingMetadata.html). */
export const MAX_USER_METADATA_BYTES = 2048;
/** S3's content type for an object uploaded without one. */
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** `Content-Encoding` as stored: the list without `aws-chunked` (a transfer detail, not the object's). */
function storedContentEncoding(headers: IncomingHttpHeaders): string | undefined {
  const list = (header(headers, 'content-encoding') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s.toLowerCase() !== 'aws-chunked');
  return list.length > 0 ? list.join(',') : undefined;
}

/** The `x-amz-meta-*` headers (names lower-cased, prefix removed), at most 2 KB in all. */
function userMetadata(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const v = Array.isArray(value) ? value.join(',') : value;
    const key = name.slice('x-amz-meta-'.length);
    out[key] = v;
    bytes += Buffer.byteLength(key) + Buffer.byteLength(v);
  }
  if (bytes > MAX_USER_METADATA_BYTES) {
    throw new S3Error(400, 'MetadataTooLarge', `Your metadata headers exceed the maximum allowed metadata size.`, { Size: String(bytes), MaxSizeAllowed: String(MAX_USER_METADATA_BYTES) });
  }
  return out;
}

/** `Content-MD5`, when sent, must be the base64 MD5 of the body. */
function checkContentMd5(headers: IncomingHttpHeaders, data: Buffer): void {
  const given = header(headers, 'content-md5');
  if (given === undefined) return;
  if (Buffer.from(given, 'base64').length !== 16) throw new S3Error(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.');
  if (given !== md5(data).base64) throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
}

/**
 * The additional checksum of an upload, from an `x-amz-checksum-*` header or the
 * aws-chunked trailer `x-amz-trailer` names; verified against the bytes received.
 */
function uploadChecksum(headers: IncomingHttpHeaders, trailers: ReadonlyMap<string, string>, data: Buffer): ObjectAttributes['checksum'] {
  const sent: Array<[ChecksumAlgorithm, string]> = [];
  for (const [name, value] of [...Object.entries(headers), ...trailers]) {
    if (!name.startsWith('x-amz-checksum-') || name === 'x-amz-checksum-type' || name === 'x-amz-checksum-mode') continue;
    const algorithm = algorithmOfHeader(name);
    if (algorithm === undefined) throw new S3Error(400, 'InvalidRequest', `Unsupported checksum header '${name}'.`);
    sent.push([algorithm, Array.isArray(value) ? value.join(',') : String(value)]);
  }
  const trailer = header(headers, 'x-amz-trailer');
  if (trailer !== undefined && !trailers.has(trailer.toLowerCase())) {
    throw new S3Error(400, 'MalformedTrailerError', `The request contained trailing data that was not well-formed: '${trailer}' was announced and not sent.`);
  }
  const declared = header(headers, 'x-amz-sdk-checksum-algorithm')?.toUpperCase();
  if (sent.length === 0) {
    if (declared === undefined) return undefined;
    throw new S3Error(400, 'InvalidRequest', 'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.');
  }
  if (sent.length > 1) throw new S3Error(400, 'InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const [algorithm, value] = sent[0] as [ChecksumAlgorithm, string];
  if (declared !== undefined && declared !== algorithm) {
    throw new S3Error(400, 'InvalidRequest', `Value for x-amz-sdk-checksum-algorithm header is invalid: ${declared} does not match the ${algorithm} checksum sent.`);
  }
  if (computeChecksum(algorithm, data) !== value) {
    throw new S3Error(400, 'BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`);
  }
  return { algorithm, value };
}

/** What PutObject keeps of its headers, once the body's digests are checked. */
export function uploadAttributes(headers: IncomingHttpHeaders, trailers: ReadonlyMap<string, string>, data: Buffer): ObjectAttributes {
  checkContentMd5(headers, data);
  const checksum = uploadChecksum(headers, trailers, data);
  const optional: Array<[keyof ObjectAttributes, string | undefined]> = [
    ['cacheControl', header(headers, 'cache-control')],
    ['contentDisposition', header(headers, 'content-disposition')],
    ['contentEncoding', storedContentEncoding(headers)],
    ['contentLanguage', header(headers, 'content-language')],
    ['expires', header(headers, 'expires')],
  ];
  return {
    contentType: header(headers, 'content-type') ?? DEFAULT_CONTENT_TYPE,
    userMetadata: userMetadata(headers),
    ...Object.fromEntries(optional.filter(([, v]) => v !== undefined)),
    ...(checksum ? { checksum } : {}),
  };
}

/** The checksum headers of an answer that carries (or describes) a whole object. */
export function checksumHeaders(meta: Pick<ObjectMeta, 'checksum'>): Record<string, string> {
  if (!meta.checksum) return {};
  return { [checksumHeader(meta.checksum.algorithm)]: meta.checksum.value, 'x-amz-checksum-type': 'FULL_OBJECT' };
}

/** `response-*` query parameters of GetObject that override a header of the answer. */
const RESPONSE_OVERRIDES: Readonly<Record<string, string>> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/**
 * The headers GetObject and HeadObject answer with. The stored checksum is returned
 * for a whole object when the client asked (`x-amz-checksum-mode: ENABLED`), never for
 * a range (it would not be the range's).
 */
export function objectHeaders(meta: ObjectMeta, o: { query: URLSearchParams; checksumMode: boolean; whole: boolean }): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': meta.contentType,
    etag: meta.etag,
    'last-modified': new Date(meta.lastModified).toUTCString(),
    'accept-ranges': 'bytes',
  };
  const optional: Array<[string, string | undefined]> = [
    ['cache-control', meta.cacheControl],
    ['content-disposition', meta.contentDisposition],
    ['content-encoding', meta.contentEncoding],
    ['content-language', meta.contentLanguage],
    ['expires', meta.expires],
  ];
  for (const [name, v] of optional) if (v !== undefined) h[name] = v;
  for (const [name, v] of Object.entries(meta.userMetadata)) h[`x-amz-meta-${name}`] = v;
  for (const [param, name] of Object.entries(RESPONSE_OVERRIDES)) {
    const v = o.query.get(param);
    if (v !== null) h[name] = v;
  }
  return o.checksumMode && o.whole ? { ...h, ...checksumHeaders(meta) } : h;
}
