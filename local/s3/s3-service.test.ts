import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Failure, startTestS3, type TestS3 } from '../../test/support/local/s3';
import { MAX_OBJECT_BYTES } from './object-handlers';

let t: TestS3;
let s3: S3Client;
const BUCKET = 'pulsepet-test';

beforeAll(async () => {
  t = await startTestS3();
  s3 = t.client();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  await t?.close();
});

const put = (Key: string, Body: string | Buffer, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}) =>
  s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body, ...extra }));
const text = async (Key: string, extra: Partial<ConstructorParameters<typeof GetObjectCommand>[0]> = {}) => {
  const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key, ...extra }));
  return { r, body: await r.Body?.transformToString() };
};

describe('Local S3 through @aws-sdk/client-s3 (path-style)', () => {
  describe('Buckets', () => {
    it('creates, heads, lists and deletes a bucket; a missing one is NoSuchBucket / NotFound', async () => {
      await s3.send(new CreateBucketCommand({ Bucket: 'scratch-bucket' }));
      await expect(s3.send(new HeadBucketCommand({ Bucket: 'scratch-bucket' }))).resolves.toMatchObject({ BucketRegion: 'us-east-1' });
      const listed = await s3.send(new ListBucketsCommand({}));
      expect(listed.Buckets?.map((b) => b.Name)).toEqual(expect.arrayContaining([BUCKET, 'scratch-bucket']));
      await s3.send(new DeleteBucketCommand({ Bucket: 'scratch-bucket' }));
      expect(await s3Failure(s3.send(new HeadBucketCommand({ Bucket: 'scratch-bucket' })))).toMatchObject({ name: 'NotFound', status: 404 });
      expect(await s3Failure(s3.send(new DeleteBucketCommand({ Bucket: 'scratch-bucket' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
    });

    it('refuses an invalid bucket name with InvalidBucketName, and a non-empty bucket delete with BucketNotEmpty', async () => {
      expect(await s3Failure(s3.send(new CreateBucketCommand({ Bucket: 'Not_Valid' })))).toMatchObject({ name: 'InvalidBucketName', status: 400 });
      await put('keep.txt', 'x');
      expect(await s3Failure(s3.send(new DeleteBucketCommand({ Bucket: BUCKET })))).toMatchObject({ name: 'BucketNotEmpty', status: 409 });
    });

    it('answers an object request on a missing bucket with NoSuchBucket', async () => {
      expect(await s3Failure(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'a' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
      expect(await s3Failure(s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'a', Body: 'x' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
    });
  });

  describe('PutObject / GetObject / HeadObject', () => {
    it('round-trips bytes, content type, cache control and user metadata, with a quoted MD5 ETag', async () => {
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
      const out = await put('avatars/abc.png', png, { ContentType: 'image/png', CacheControl: 'public, max-age=31536000, immutable', Metadata: { hash: 'abc' } });
      expect(out.ETag).toBe(`"${createHash('md5').update(png).digest('hex')}"`);
      const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'avatars/abc.png' }));
      expect(Buffer.from((await r.Body?.transformToByteArray()) ?? [])).toEqual(png);
      expect(r).toMatchObject({ ContentType: 'image/png', CacheControl: 'public, max-age=31536000, immutable', Metadata: { hash: 'abc' }, ContentLength: png.length, ETag: out.ETag });
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'avatars/abc.png' }));
      expect(head).toMatchObject({ ContentLength: png.length, ContentType: 'image/png', ETag: out.ETag, Metadata: { hash: 'abc' } });
      expect(head.LastModified).toBeInstanceOf(Date);
    });

    it('verifies and returns the CRC32 the SDK sends, and refuses a wrong one with BadDigest', async () => {
      const out = await put('crc.txt', 'hello');
      expect(out.ChecksumCRC32).toBe('NhCmhg==');
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'crc.txt', ChecksumMode: 'ENABLED' }));
      expect(got.ChecksumCRC32).toBe('NhCmhg==');
      expect(await s3Failure(put('crc.txt', 'hello', { ChecksumCRC32: 'AAAAAA==' }))).toMatchObject({ name: 'BadDigest', status: 400 });
      expect((await text('crc.txt')).body).toBe('hello');
    });

    it('accepts a stream body sent aws-chunked with its checksum as a trailer', async () => {
      const body = Readable.from([Buffer.from('streamed '), Buffer.from('avatar bytes')]);
      const out = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'streamed.bin', Body: body, ContentLength: 21 }));
      expect(out.ChecksumCRC32).toBeDefined();
      expect((await text('streamed.bin')).body).toBe('streamed avatar bytes');
    });

    it('answers a missing key with NoSuchKey (GET) and NotFound without a body (HEAD)', async () => {
      expect(await s3Failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing.png' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
      expect(await s3Failure(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'missing.png' })))).toMatchObject({ name: 'NotFound', status: 404 });
    });

    it('keeps keys with spaces, UTF-8, reserved characters and dot segments apart, inside the data dir', async () => {
      const keys = ['a b/ü+x!(y)*~.png', '../../escape.txt', 'a/./b', 'a//b', 'ключ/🐱.png', '%2F literal'];
      for (const [i, k] of keys.entries()) await put(k, `value-${i}`);
      for (const [i, k] of keys.entries()) expect((await text(k)).body).toBe(`value-${i}`);
      expect(readdirSync(join(t.dir, '..')).filter((f) => f === 'escape.txt')).toEqual([]);
      expect(readdirSync(t.dir)).toEqual(['s3']);
    });

    it('serves a Range with 206 and Content-Range, a suffix range, and 416 InvalidRange past the end', async () => {
      await put('range.txt', '0123456789');
      const mid = await text('range.txt', { Range: 'bytes=2-5' });
      expect(mid.body).toBe('2345');
      expect(mid.r.$metadata.httpStatusCode).toBe(206);
      expect(mid.r.ContentRange).toBe('bytes 2-5/10');
      expect((await text('range.txt', { Range: 'bytes=-3' })).body).toBe('789');
      expect((await text('range.txt', { Range: 'bytes=7-' })).r.ContentRange).toBe('bytes 7-9/10');
      expect(await s3Failure(text('range.txt', { Range: 'bytes=10-' }))).toMatchObject({ name: 'InvalidRange', status: 416 });
    });

    it('answers If-None-Match with the current ETag with 304, and a failed If-Match with 412', async () => {
      const { ETag } = await put('cond.txt', 'v1');
      expect(await s3Failure(text('cond.txt', { IfNoneMatch: ETag }))).toMatchObject({ status: 304 });
      expect((await text('cond.txt', { IfNoneMatch: '"other"' })).body).toBe('v1');
      expect(await s3Failure(text('cond.txt', { IfMatch: '"other"' }))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
      expect(await s3Failure(text('cond.txt', { IfModifiedSince: new Date(Date.now() + 60_000) }))).toMatchObject({ status: 304 });
      expect(await s3Failure(put('cond.txt', 'v2', { IfNoneMatch: '*' }))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
      expect((await text('cond.txt')).body).toBe('v1');
    });

    it(`refuses an object over ${MAX_OBJECT_BYTES} bytes with EntityTooLarge and keeps the one stored`, async () => {
      await put('big.bin', 'small');
      expect(await s3Failure(put('big.bin', Buffer.alloc(MAX_OBJECT_BYTES + 1)))).toMatchObject({ name: 'EntityTooLarge', status: 400 });
      expect(await s3Failure(put('big.bin', Buffer.alloc(11 * 1024 * 1024)))).toMatchObject({ name: 'EntityTooLarge', status: 400 });
      expect((await text('big.bin')).body).toBe('small');
    });
  });

  describe('DeleteObject', () => {
    it('deletes with 204, and deleting again is 204 too', async () => {
      await put('gone.txt', 'x');
      const first = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone.txt' }));
      expect(first.$metadata.httpStatusCode).toBe(204);
      const again = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone.txt' }));
      expect(again.$metadata.httpStatusCode).toBe(204);
      expect(await s3Failure(text('gone.txt'))).toMatchObject({ name: 'NoSuchKey' });
    });
  });

  describe('Restart', () => {
    it('keeps buckets, objects and their metadata across a restart', async () => {
      const { ETag } = await put('avatars/persist.png', Buffer.from('png-bytes'), { ContentType: 'image/png', Metadata: { mood: 'calm' } });
      await t.restart();
      s3 = t.client();
      const { r, body } = await text('avatars/persist.png');
      expect(body).toBe('png-bytes');
      expect(r).toMatchObject({ ETag, ContentType: 'image/png', Metadata: { mood: 'calm' } });
      await expect(s3.send(new HeadBucketCommand({ Bucket: BUCKET }))).resolves.toBeDefined();
    });
  });
});
