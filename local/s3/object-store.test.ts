import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { decodeAwsChunked } from './aws-chunked';
import { S3ObjectStore } from './object-store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pp-s3-store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const attrs = { contentType: 'text/plain', userMetadata: {} };
/** Every file under the store's objects folder of `bucket`. */
function objectFiles(bucket: string): string[] {
  const root = join(dir, 's3', 'buckets', bucket, 'objects');
  return readdirSync(root).flatMap((hh) => readdirSync(join(root, hh)).map((f) => join(root, hh, f)));
}

describe('Class: S3ObjectStore', () => {
  it('keeps one data file per object: a replaced object’s old bytes are removed', async () => {
    const store = await S3ObjectStore.open(dir, silentLogger());
    await store.createBucket('bkt', 'us-east-1');
    await store.put('bkt', 'k', Buffer.from('one'), attrs);
    await store.put('bkt', 'k', Buffer.from('two'), attrs);
    expect(objectFiles('bkt').filter((f) => f.endsWith('.bin'))).toHaveLength(1);
    expect((await store.read('bkt', 'k'))?.data.toString()).toBe('two');
  });

  it('removes what a crash left behind (unnamed data, temp files) at open, keeping the committed object', async () => {
    const store = await S3ObjectStore.open(dir, silentLogger());
    await store.createBucket('bkt', 'us-east-1');
    await store.put('bkt', 'k', Buffer.from('committed'), attrs);
    const [meta] = objectFiles('bkt').filter((f) => f.endsWith('.json'));
    const folder = join(meta as string, '..');
    writeFileSync(join(folder, 'deadbeef.00000000-0000-0000-0000-000000000000.bin'), 'bytes of an upload that never committed');
    writeFileSync(`${meta}.tmp-123`, '{"half":');
    const reopened = await S3ObjectStore.open(dir, silentLogger());
    expect(objectFiles('bkt')).toHaveLength(2);
    expect((await reopened.read('bkt', 'k'))?.data.toString()).toBe('committed');
  });

  it('serialises concurrent writes of one key: the last committed wins and no data file is left over', async () => {
    const store = await S3ObjectStore.open(dir, silentLogger());
    await store.createBucket('bkt', 'us-east-1');
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.put('bkt', 'k', Buffer.from(`v${i}`), attrs)));
    expect(objectFiles('bkt').filter((f) => f.endsWith('.bin'))).toHaveLength(1);
    expect((await store.read('bkt', 'k'))?.data.toString()).toMatch(/^v\d$/);
  });

  it('refuses a bucket name S3 would refuse', async () => {
    const store = await S3ObjectStore.open(dir, silentLogger());
    await expect(store.createBucket('../up', 'us-east-1')).rejects.toThrow(/invalid bucket name/);
    await expect(store.createBucket('a..b', 'us-east-1')).rejects.toThrow(/invalid bucket name/);
  });
});

describe('Function: decodeAwsChunked', () => {
  it('joins the chunks and reads the trailers', () => {
    const d = decodeAwsChunked(Buffer.from('3\r\nabc\r\n2\r\nde\r\n0\r\nx-amz-checksum-crc32:abc=\r\n\r\n'));
    expect(d.data.toString()).toBe('abcde');
    expect([...d.trailers]).toEqual([['x-amz-checksum-crc32', 'abc=']]);
    expect(d.signed).toBe(false);
  });

  it.each([
    ['a truncated chunk', '5\r\nab'],
    ['a bad size', 'zz\r\nab\r\n0\r\n\r\n'],
    ['a chunk without its CRLF', '2\r\nabXX0\r\n\r\n'],
    ['no final chunk', '2\r\nab\r\n'],
  ])('refuses %s with IncompleteBody', (_what, body) => {
    expect(() => decodeAwsChunked(Buffer.from(body))).toThrow(expect.objectContaining({ code: 'IncompleteBody', status: 400 }));
  });
});
