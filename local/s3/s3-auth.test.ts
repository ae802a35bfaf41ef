import { request as httpRequest } from 'node:http';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, paginateListObjectsV2, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Failure, startTestS3, type TestS3 } from '../../test/support/local/s3';

let t: TestS3;
let s3: S3Client;
const BUCKET = 'pulsepet-auth';

beforeAll(async () => {
  t = await startTestS3();
  s3 = t.client();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const k of ['avatars/a.png', 'avatars/b.png', 'avatars/old/c.png', 'notes/x.txt', 'root.txt']) {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: k, Body: `body of ${k}`, ContentType: 'text/plain' }));
  }
});
afterAll(async () => {
  await t?.close();
});

/** A raw HTTP request: status, headers and body text. */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Signs a PUT of `key` the way S3 clients do (no double-encoded path), with the headers given. */
async function signedPut(key: string, headers: Record<string, string>, body: Buffer) {
  const url = new URL(t.gateway.url);
  const signer = new SignatureV4({ service: 's3', region: t.region, credentials: t.credentials, sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: `/${BUCKET}/${key}`, headers: { host: url.host, ...headers }, body });
  return raw(`${t.gateway.url}/${BUCKET}/${key}`, { method: 'PUT', headers: signed.headers, body });
}

describe('ListObjectsV2 through the SDK', () => {
  it('rolls keys up into CommonPrefixes at the delimiter under a prefix', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'avatars/', Delimiter: '/' }));
    expect(r.Contents?.map((c) => c.Key)).toEqual(['avatars/a.png', 'avatars/b.png']);
    expect(r.CommonPrefixes?.map((c) => c.Prefix)).toEqual(['avatars/old/']);
    expect(r).toMatchObject({ KeyCount: 3, IsTruncated: false, Prefix: 'avatars/', Delimiter: '/' });
    expect(r.Contents?.[0]).toMatchObject({ Size: 'body of avatars/a.png'.length, StorageClass: 'STANDARD' });
  });

  it('pages with MaxKeys and continuation tokens, and starts after StartAfter', async () => {
    const keys: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: BUCKET })) {
      pages++;
      keys.push(...(page.Contents ?? []).map((c) => c.Key ?? ''));
    }
    expect(keys).toEqual(['avatars/a.png', 'avatars/b.png', 'avatars/old/c.png', 'notes/x.txt', 'root.txt']);
    expect(pages).toBe(3);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, StartAfter: 'avatars/old/c.png' }));
    expect(after.Contents?.map((c) => c.Key)).toEqual(['notes/x.txt', 'root.txt']);
  });

  it('refuses a continuation token it did not issue with InvalidArgument', async () => {
    expect(await s3Failure(s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: 'not-a-token' })))).toMatchObject({ name: 'InvalidArgument', status: 400 });
  });
});

describe('SigV4 on the local S3', () => {
  it('refuses a request signed with the wrong secret with 403 SignatureDoesNotMatch', async () => {
    const bad = t.client({ credentials: { ...t.credentials, secretAccessKey: 'wrong-secret' } });
    expect(await s3Failure(bad.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'root.txt' })))).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(await s3Failure(bad.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'root.txt', Body: 'overwritten' })))).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    const kept = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'root.txt' }));
    expect(await kept.Body?.transformToString()).toBe('body of root.txt');
  });

  it('refuses an unknown access key with 403 InvalidAccessKeyId', async () => {
    const stranger = t.client({ credentials: { accessKeyId: 'AKIDSTRANGER', secretAccessKey: 'x' } });
    expect(await s3Failure(stranger.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'root.txt' })))).toMatchObject({ name: 'InvalidAccessKeyId', status: 403 });
  });

  it('answers an unsigned GET of an object with 403 AccessDenied in S3 XML', async () => {
    const r = await raw(`${t.gateway.url}/${BUCKET}/root.txt`);
    expect(r.status).toBe(403);
    expect(r.headers['content-type']).toBe('application/xml');
    expect(r.body).toMatch(/<Error><Code>AccessDenied<\/Code><Message>Access Denied<\/Message><Resource>\/pulsepet-auth\/root.txt<\/Resource><RequestId>[^<]+<\/RequestId>/);
  });

  it('refuses a body that does not match its signed x-amz-content-sha256', async () => {
    const url = new URL(t.gateway.url);
    const signer = new SignatureV4({ service: 's3', region: t.region, credentials: t.credentials, sha256: Sha256, uriEscapePath: false });
    const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: `/${BUCKET}/root.txt`, headers: { host: url.host }, body: 'signed body' });
    const r = await raw(`${t.gateway.url}/${BUCKET}/root.txt`, { method: 'PUT', headers: { ...signed.headers, 'content-length': '11' }, body: Buffer.from('forged body') });
    expect(r.status).toBe(400);
    expect(r.body).toContain('<Code>XAmzContentSHA256Mismatch</Code>');
  });

  it('refuses an aws-chunked upload whose trailing CRC32 does not match with BadDigest, keeping the object', async () => {
    const body = Buffer.from('5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n');
    const headers = {
      'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': '5',
      'x-amz-trailer': 'x-amz-checksum-crc32',
      'content-length': String(body.length),
    };
    const r = await signedPut('root.txt', headers, body);
    expect(r.status).toBe(400);
    expect(r.body).toContain('<Code>BadDigest</Code>');
    const good = Buffer.from('5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n');
    expect((await signedPut('chunked.txt', { ...headers, 'content-length': String(good.length) }, good)).headers['x-amz-checksum-crc32']).toBe('NhCmhg==');
  });

  it('refuses signed chunks it cannot verify with 501 NotImplemented', async () => {
    const body = Buffer.from('5;chunk-signature=00\r\nhello\r\n0;chunk-signature=00\r\n\r\n');
    const r = await signedPut('signed-chunks.txt', { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'x-amz-decoded-content-length': '5', 'content-length': String(body.length) }, body);
    expect(r.status).toBe(501);
    expect(r.body).toContain('<Code>NotImplemented</Code>');
  });
});

describe('Presigned GET URLs', () => {
  it('are fetched with plain fetch, with the object’s content type', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'avatars/a.png' }), { expiresIn: 60 });
    expect(url).toMatch(/X-Amz-Signature=/);
    const r = await fetch(url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain');
    expect(await r.text()).toBe('body of avatars/a.png');
  });

  it('expire: a URL past X-Amz-Expires is 403 AccessDenied "Request has expired"', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'avatars/a.png' }), { expiresIn: 5, signingDate: new Date(Date.now() - 10_000) });
    const r = await fetch(url);
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('<Code>AccessDenied</Code><Message>Request has expired</Message>');
  });

  it('cannot be pointed at another key: 403 SignatureDoesNotMatch', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'avatars/a.png' }), { expiresIn: 60 });
    const r = await fetch(url.replace('avatars/a.png', 'notes/x.txt'));
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});
