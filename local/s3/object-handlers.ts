import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayRequest, GatewayResponse } from '../ports';
import { decodeAwsChunked } from './aws-chunked';
import { requireBucket } from './bucket-handlers';
import { readPreconditions, requestedRange, writePrecondition } from './conditional';
import { checksumHeaders, objectHeaders, uploadAttributes } from './object-headers';
import type { S3ObjectStore } from './object-store';
import { S3Error } from './s3-errors';
import type { S3Operation } from './s3-operations';

/**
 * The object operations: PutObject, GetObject, HeadObject, DeleteObject
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html and the pages beside it).
 */

/** Largest object the local S3 stores (a single PUT; S3's own limit is 5 GB). */
export const MAX_OBJECT_BYTES = 8 * 1024 * 1024;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function noSuchKey(key: string): S3Error {
  return new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
}

/**
 * The object's bytes as uploaded: the body itself, or decoded from `aws-chunked` with
 * its trailers (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`, what the SDKs send for streams).
 * Signed chunks (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD…`) are refused: their chunk
 * signatures are not checked here, so their bytes could not be trusted.
 */
function uploadedBytes(req: GatewayRequest): { data: Buffer; trailers: Map<string, string> } {
  const sha = header(req.headers, 'x-amz-content-sha256') ?? '';
  const chunked = (header(req.headers, 'content-encoding') ?? '').toLowerCase().includes('aws-chunked') || sha.startsWith('STREAMING-');
  if (!chunked) return { data: req.body, trailers: new Map() };
  if (sha.startsWith('STREAMING-') && sha !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') {
    throw new S3Error(501, 'NotImplemented', `The local S3 does not verify signed chunks (${sha}); send UNSIGNED-PAYLOAD, the payload's SHA-256, or STREAMING-UNSIGNED-PAYLOAD-TRAILER.`, { Header: 'x-amz-content-sha256' });
  }
  const decoded = decodeAwsChunked(req.body);
  if (decoded.signed) throw new S3Error(400, 'InvalidRequest', 'Chunk signatures were sent with an unsigned-payload x-amz-content-sha256.');
  const declared = header(req.headers, 'x-amz-decoded-content-length');
  if (declared !== undefined && Number(declared) !== decoded.data.length) {
    throw new S3Error(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header');
  }
  return { data: decoded.data, trailers: decoded.trailers };
}

export async function putObject(store: S3ObjectStore, op: S3Operation, req: GatewayRequest): Promise<GatewayResponse> {
  requireBucket(store, op.bucket);
  const { data, trailers } = uploadedBytes(req);
  if (data.length > MAX_OBJECT_BYTES) {
    throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { ProposedSize: String(data.length), MaxSizeAllowed: String(MAX_OBJECT_BYTES) });
  }
  const attrs = uploadAttributes(req.headers, trailers, data);
  const meta = await store.put(op.bucket, op.key, data, attrs, writePrecondition(req.headers, op.key));
  return { status: 200, headers: { etag: meta.etag, ...checksumHeaders(meta) } };
}

/**
 * GetObject and HeadObject: preconditions (412 / 304), then the whole object or one
 * `Range` (206 with `Content-Range`). HEAD states the length without the bytes.
 */
export async function getObject(store: S3ObjectStore, op: S3Operation, req: GatewayRequest): Promise<GatewayResponse> {
  requireBucket(store, op.bucket);
  const head = store.head(op.bucket, op.key);
  if (!head) throw noSuchKey(op.key);
  if (readPreconditions(req.headers, head) === 'not-modified') {
    return { status: 304, headers: { etag: head.etag, 'last-modified': new Date(head.lastModified).toUTCString() } };
  }
  const range = requestedRange(req.headers, head.size);
  const checksumMode = header(req.headers, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED' || req.query.get('x-amz-checksum-mode') === 'ENABLED';
  const status = range ? 206 : 200;
  const rangeHeaders = (size: number): Record<string, string> => (range ? { 'content-range': `bytes ${range.start}-${range.end}/${size}` } : {});
  if (req.method === 'HEAD') {
    const length = range ? range.end - range.start + 1 : head.size;
    const headers = objectHeaders(head, { query: req.query, checksumMode, whole: !range });
    return { status, headers: { ...headers, ...rangeHeaders(head.size), 'content-length': String(length) } };
  }
  const got = await store.read(op.bucket, op.key, range);
  if (!got) throw noSuchKey(op.key);
  const headers = objectHeaders(got.meta, { query: req.query, checksumMode, whole: !range });
  return { status, headers: { ...headers, ...rangeHeaders(got.meta.size) }, body: got.data };
}

/** DeleteObject: 204 whether or not the key existed (S3 deletes are idempotent). */
export async function deleteObject(store: S3ObjectStore, op: S3Operation): Promise<GatewayResponse> {
  requireBucket(store, op.bucket);
  await store.delete(op.bucket, op.key);
  return { status: 204 };
}
