/** The local Amazon S3 stand-in: path-style buckets and objects on disk, served on the gateway under signing name `s3`. */
export { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm, computeChecksum } from './checksums';
export { MAX_OBJECT_BYTES } from './object-handlers';
export { type BucketInfo, isValidBucketName, type ObjectMeta, S3ObjectStore } from './object-store';
export { S3Error } from './s3-errors';
export { createS3Service, type S3Service, type S3ServiceOptions } from './s3-service';
