import type { Logger } from '../../common/logger';
import { LabelledCounter } from '../gateway/metrics';
import type { GatewayRefusal, GatewayRequest, GatewayResponse, GatewayService } from '../ports';
import { createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets, listObjectsV2 } from './bucket-handlers';
import { deleteObject, getObject, putObject } from './object-handlers';
import { S3ObjectStore } from './object-store';
import { errorResponse, S3Error, s3ErrorOfRefusal, s3ResponseHeaders } from './s3-errors';
import { resolveOperation, type S3Operation, type S3OperationName, s3IamRequest, splitPath } from './s3-operations';

/** The local S3: a GatewayService over its disk store, with its counters and the buckets it must have. */
export interface S3Service extends GatewayService {
  readonly store: S3ObjectStore;
  /** Creates the bucket unless it exists (the stack's own buckets, at start). */
  ensureBucket(name: string): Promise<void>;
  /** `pulsepet_s3_requests_total{operation,status}` in exposition format */
  metrics(): string;
}

export interface S3ServiceOptions {
  /** objects live under `{dataDir}/s3` */
  dataDir: string;
  /** the region buckets are created in */
  region: string;
  logger: Logger;
}

type Handler = (store: S3ObjectStore, op: S3Operation, req: GatewayRequest) => GatewayResponse | Promise<GatewayResponse>;

const HANDLERS: Readonly<Record<S3OperationName, Handler>> = {
  ListBuckets: (store) => listBuckets(store),
  CreateBucket: createBucket,
  HeadBucket: headBucket,
  DeleteBucket: deleteBucket,
  GetBucketLocation: getBucketLocation,
  ListObjectsV2: listObjectsV2,
  PutObject: putObject,
  GetObject: getObject,
  HeadObject: getObject,
  DeleteObject: deleteObject,
};

/** The resource an error names: the path, decoded (`/bucket/key`). */
function resourceOf(rawPath: string): string {
  try {
    const { bucket, key } = splitPath(rawPath);
    return `/${bucket}${key === '' ? '' : `/${key}`}`;
  } catch {
    return rawPath;
  }
}

/**
 * The local Amazon S3 (signing name `s3`), path-style (`/{bucket}/{key}`): buckets and
 * objects on disk in the data dir (object-store.ts), the operations pulsepet uses
 * (s3-operations.ts), S3's XML errors for its own failures and for the gateway's
 * refusals (a bad signature is `SignatureDoesNotMatch`, an expired presigned URL
 * `AccessDenied`). An unsigned request for one of its buckets is `AccessDenied`.
 *
 * @example
 * const s3 = await createS3Service({ dataDir, region, logger });
 * gateway.addService(s3);
 * await s3.ensureBucket(AVATARS.bucket);
 */
export async function createS3Service(opts: S3ServiceOptions): Promise<S3Service> {
  const log = opts.logger.child({ component: 's3' });
  const store = await S3ObjectStore.open(opts.dataDir, opts.logger);
  const requests = new LabelledCounter('pulsepet_s3_requests_total', 'Requests answered by the local S3, by operation and HTTP status.', ['operation', 'status']);

  const handle = async (req: GatewayRequest): Promise<GatewayResponse> => {
    let operation = 'unsupported';
    let out: GatewayResponse;
    try {
      const op = resolveOperation(req);
      operation = op.name;
      out = await HANDLERS[op.name](store, op, req);
      out = { ...out, headers: { ...s3ResponseHeaders(req.requestId), ...out.headers } };
    } catch (e) {
      if (!(e instanceof S3Error)) log.error({ err: e, requestId: req.requestId, operation }, 's3 request failed');
      const err = e instanceof S3Error ? e : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
      out = errorResponse(err, { method: req.method, resource: resourceOf(req.path), requestId: req.requestId });
    }
    requests.inc({ operation, status: String(out.status) });
    return out;
  };

  return {
    signingNames: ['s3'],
    store,
    handle,
    iamRequest: s3IamRequest,
    accessDeniedType: 'AccessDenied',
    shapeRefusal: (r: GatewayRefusal) => errorResponse(s3ErrorOfRefusal(r), { method: r.method, resource: resourceOf(r.rawPath), requestId: r.requestId }),
    claimsUnsigned: (_method, rawPath) => {
      try {
        const { bucket } = splitPath(rawPath);
        return bucket !== '' && store.bucket(bucket) !== undefined;
      } catch {
        return false;
      }
    },
    async ensureBucket(name) {
      if (await store.createBucket(name, opts.region)) log.info({ bucket: name }, 'bucket created');
    },
    metrics: () => requests.render(),
  };
}
