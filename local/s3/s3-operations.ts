import type { GatewayRequest, IamRequest } from '../ports';
import { S3Error } from './s3-errors';

/**
 * Which S3 operation a path-style request is (`/{bucket}/{key}`,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html#path-style-access),
 * and the IAM action and resource it needs
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html).
 */

export type S3OperationName =
  | 'ListBuckets'
  | 'CreateBucket'
  | 'HeadBucket'
  | 'DeleteBucket'
  | 'GetBucketLocation'
  | 'ListObjectsV2'
  | 'PutObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject';

export interface S3Operation {
  name: S3OperationName;
  bucket: string;
  key: string;
}

/** Sub-resources of buckets and objects the local S3 does not serve (multipart, ACLs, tagging…). */
const UNSUPPORTED_SUBRESOURCES = [
  'acl', 'attributes', 'cors', 'delete', 'encryption', 'legal-hold', 'lifecycle', 'logging', 'notification', 'object-lock', 'ownershipControls',
  'partNumber', 'policy', 'publicAccessBlock', 'replication', 'restore', 'retention', 'select', 'tagging', 'torrent', 'uploadId', 'uploads',
  'versioning', 'versions', 'versionId', 'website',
];

/** S3 keys are at most 1,024 bytes of UTF-8 (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html). */
export const MAX_KEY_BYTES = 1024;

/** Bucket and key of a path-style path as sent (percent-encoded); `InvalidURI` when it cannot be decoded. */
export function splitPath(rawPath: string): { bucket: string; key: string } {
  const rest = rawPath.replace(/^\//, '');
  const slash = rest.indexOf('/');
  const rawBucket = slash < 0 ? rest : rest.slice(0, slash);
  const rawKey = slash < 0 ? '' : rest.slice(slash + 1);
  try {
    return { bucket: decodeURIComponent(rawBucket), key: decodeURIComponent(rawKey) };
  } catch {
    throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
  }
}

/** Sub-resources of multipart uploads (CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload, ListParts, ListMultipartUploads). */
const MULTIPART_SUBRESOURCES = new Set(['uploads', 'uploadId', 'partNumber']);

/**
 * What the refusal of an unserved sub-resource names: multipart uploads by name, with the
 * way around them (`aws s3 cp` switches to multipart at its `multipart_threshold`, 8 MiB,
 * which is also the local object size cap).
 */
function unsupportedWhat(subresource: string): string {
  if (!MULTIPART_SUBRESOURCES.has(subresource)) return `the '${subresource}' sub-resource`;
  return `multipart uploads ('${subresource}'); objects of at most 8 MiB are written whole with PutObject`;
}

function notImplemented(what: string): S3Error {
  return new S3Error(501, 'NotImplemented', `A header or query you provided implies functionality that is not implemented: the local S3 does not serve ${what}.`);
}

function bucketOperation(method: string, q: URLSearchParams): S3OperationName {
  if (method === 'PUT' && [...q.keys()].length === 0) return 'CreateBucket';
  if (method === 'HEAD') return 'HeadBucket';
  if (method === 'DELETE' && [...q.keys()].length === 0) return 'DeleteBucket';
  if (method === 'GET' && q.has('location')) return 'GetBucketLocation';
  if (method === 'GET' && q.get('list-type') === '2') return 'ListObjectsV2';
  if (method === 'GET' && !q.has('list-type')) throw notImplemented('ListObjects (version 1); use ListObjectsV2 (list-type=2)');
  throw notImplemented(`${method} on a bucket with this query`);
}

function objectOperation(method: string, headers: GatewayRequest['headers']): S3OperationName {
  switch (method) {
    case 'PUT':
      if (headers['x-amz-copy-source'] !== undefined) throw notImplemented('CopyObject');
      return 'PutObject';
    case 'GET':
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return 'DeleteObject';
    default:
      throw notImplemented(`${method} on an object`);
  }
}

/** The operation a request is, or the S3 error for a request the local S3 does not serve. */
export function resolveOperation(req: Pick<GatewayRequest, 'method' | 'path' | 'query' | 'headers'>): S3Operation {
  const { bucket, key } = splitPath(req.path);
  const unsupported = UNSUPPORTED_SUBRESOURCES.find((s) => req.query.has(s));
  if (unsupported !== undefined) throw notImplemented(unsupportedWhat(unsupported));
  if (bucket === '') {
    if (req.method === 'GET') return { name: 'ListBuckets', bucket, key };
    throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', { Method: req.method, ResourceType: 'SERVICE' });
  }
  if (key === '') return { name: bucketOperation(req.method, req.query), bucket, key };
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new S3Error(400, 'KeyTooLongError', 'Your key is too long', { MaxSizeAllowed: String(MAX_KEY_BYTES) });
  return { name: objectOperation(req.method, req.headers), bucket, key };
}

const ACTIONS: Readonly<Record<S3OperationName, string>> = {
  ListBuckets: 's3:ListAllMyBuckets',
  CreateBucket: 's3:CreateBucket',
  HeadBucket: 's3:ListBucket',
  DeleteBucket: 's3:DeleteBucket',
  GetBucketLocation: 's3:GetBucketLocation',
  ListObjectsV2: 's3:ListBucket',
  PutObject: 's3:PutObject',
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  DeleteObject: 's3:DeleteObject',
};

/**
 * The IAM action and resource of a request: bucket operations on `arn:aws:s3:::{bucket}`,
 * object operations on `arn:aws:s3:::{bucket}/{key}`, ListBuckets on `*`; none for a
 * request the local S3 does not serve (it is then closed to assumed roles).
 */
export function s3IamRequest(req: GatewayRequest): IamRequest[] {
  let op: S3Operation;
  try {
    op = resolveOperation(req);
  } catch {
    return [];
  }
  const resource = op.name === 'ListBuckets' ? '*' : op.key === '' ? `arn:aws:s3:::${op.bucket}` : `arn:aws:s3:::${op.bucket}/${op.key}`;
  return [{ action: ACTIONS[op.name], resource }];
}
