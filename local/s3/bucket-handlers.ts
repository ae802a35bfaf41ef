import type { GatewayRequest, GatewayResponse } from '../ports';
import { listPage, listParams, listResultXml } from './list-objects';
import { isValidBucketName, type S3ObjectStore } from './object-store';
import { S3Error } from './s3-errors';
import type { S3Operation } from './s3-operations';
import { el, els, XML_CONTENT_TYPE, XmlRaw, xmlDocument, xmlText } from './s3-xml';

/**
 * The bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
 * GetBucketLocation and ListObjectsV2 (https://docs.aws.amazon.com/AmazonS3/latest/API/).
 */

/** The region S3 leaves out of `LocationConstraint` and answers a re-created bucket with 200 in (API_CreateBucket.html). */
const US_EAST_1 = 'us-east-1';

export function noSuchBucket(bucket: string): S3Error {
  return new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
}

/** The bucket must exist. */
export function requireBucket(store: S3ObjectStore, bucket: string): void {
  if (!store.bucket(bucket)) throw noSuchBucket(bucket);
}

function xmlAnswer(body: string, status = 200): GatewayResponse {
  return { status, headers: { 'content-type': XML_CONTENT_TYPE }, body };
}

export function listBuckets(store: S3ObjectStore): GatewayResponse {
  const buckets = store
    .listBuckets()
    .map((b) => el('Bucket', els([['Name', b.name], ['CreationDate', new Date(b.createdAt).toISOString()], ['BucketRegion', b.region]])))
    .join('');
  const owner = el('Owner', els([['ID', '0'.repeat(64)], ['DisplayName', 'pulsepet-local']]));
  return xmlAnswer(xmlDocument('ListAllMyBucketsResult', new XmlRaw(owner + el('Buckets', new XmlRaw(buckets)))));
}

/**
 * CreateBucket: a valid name, and a `LocationConstraint` (when sent) naming the request's
 * region. A bucket that exists (every local bucket is the caller's) is 409
 * `BucketAlreadyOwnedByYou`, except in us-east-1 where S3 answers 200.
 */
export async function createBucket(store: S3ObjectStore, op: S3Operation, req: GatewayRequest): Promise<GatewayResponse> {
  if (!isValidBucketName(op.bucket)) throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', { BucketName: op.bucket });
  const constraint = req.body.length > 0 ? xmlText(req.body.toString('utf8'), 'LocationConstraint') : undefined;
  if (constraint !== undefined && constraint !== '' && constraint !== req.region) {
    throw new S3Error(400, 'IllegalLocationConstraintException', `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`);
  }
  const created = await store.createBucket(op.bucket, req.region);
  if (!created && req.region !== US_EAST_1) {
    throw new S3Error(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: op.bucket });
  }
  return { status: 200, headers: { location: `/${op.bucket}` } };
}

export function headBucket(store: S3ObjectStore, op: S3Operation): GatewayResponse {
  const b = store.bucket(op.bucket);
  if (!b) throw noSuchBucket(op.bucket);
  return { status: 200, headers: { 'x-amz-bucket-region': b.region } };
}

export async function deleteBucket(store: S3ObjectStore, op: S3Operation): Promise<GatewayResponse> {
  const outcome = await store.deleteBucket(op.bucket);
  if (outcome === 'missing') throw noSuchBucket(op.bucket);
  if (outcome === 'not-empty') throw new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', { BucketName: op.bucket });
  return { status: 204 };
}

export function getBucketLocation(store: S3ObjectStore, op: S3Operation): GatewayResponse {
  const b = store.bucket(op.bucket);
  if (!b) throw noSuchBucket(op.bucket);
  const region = b.region === US_EAST_1 ? '' : b.region;
  return xmlAnswer(xmlDocument('LocationConstraint', new XmlRaw(region.replace(/[^a-z0-9-]/g, ''))));
}

export function listObjectsV2(store: S3ObjectStore, op: S3Operation, req: GatewayRequest): GatewayResponse {
  requireBucket(store, op.bucket);
  const params = listParams(req.query);
  const page = listPage(store.sortedKeys(op.bucket), params);
  return xmlAnswer(listResultXml(op.bucket, params, page, (key) => store.head(op.bucket, key)));
}
