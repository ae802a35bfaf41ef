import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliEnv, pathStyleConfigFile, requireAwsCli } from '../../test/support/awscli';
import { runProcess } from '../../test/support/cli';
import { s3Failure, startTestS3, type TestS3 } from '../../test/support/local/s3';
import { MAX_OBJECT_BYTES } from './object-handlers';

/**
 * The local S3 through an independent client: the AWS CLI (botocore), its `s3api`
 * commands and its high-level `aws s3` commands (cp, ls, rm, presign), path-style.
 */

const BUCKET = 'pulsepet-cli';
let t: TestS3;
let env: NodeJS.ProcessEnv;

/** A config file for the CLI: path-style addressing, and the S3 settings given. */
const configFile = (name: string, extra: string): string => pathStyleConfigFile(t.dir, name, extra);

beforeAll(async () => {
  requireAwsCli();
  t = await startTestS3();
  await t.client().send(new CreateBucketCommand({ Bucket: BUCKET }));
  mkdirSync(join(t.dir, 'files'));
  env = awsCliEnv({ home: t.dir, credentials: t.credentials, region: t.region, configFile: configFile('aws-config', '') });
}, 30_000);
afterAll(async () => {
  await t?.close();
});

/** Runs the AWS CLI asynchronously (the gateway answers on this process's event loop). */
const aws = (args: string[], more: NodeJS.ProcessEnv = {}) => runProcess('aws', ['--endpoint-url', t.gateway.url, ...args], { ...env, ...more });
const file = (name: string, bytes: Buffer | string): string => {
  const path = join(t.dir, 'files', name);
  writeFileSync(path, bytes);
  return path;
};

describe('The AWS CLI against the local S3', () => {
  it('aws s3 cp uploads and downloads small files; aws s3 ls lists prefixes and odd keys; aws s3 rm deletes', async () => {
    const src = file('small.txt', 'hello');
    for (const key of ['dir/a b+c.txt', 'dir/ünï %41 &<>.txt', 'top.txt']) {
      const up = await aws(['s3', 'cp', src, `s3://${BUCKET}/${key}`]);
      expect(up.code, up.stderr).toBe(0);
    }
    const top = await aws(['s3', 'ls', `s3://${BUCKET}`]);
    expect(top.code, top.stderr).toBe(0);
    expect(top.stdout).toMatch(/PRE dir\/\n/);
    expect(top.stdout).toMatch(/ 5 top\.txt\n/);
    // the CLI lists with encoding-type=url and decodes the keys it gets back
    const all = await aws(['s3', 'ls', `s3://${BUCKET}/dir/`]);
    expect(all.stdout).toContain(' 5 a b+c.txt\n');
    expect(all.stdout).toContain(' 5 ünï %41 &<>.txt\n');
    const out = join(t.dir, 'files', 'copy.txt');
    const down = await aws(['s3', 'cp', `s3://${BUCKET}/dir/ünï %41 &<>.txt`, out]);
    expect(down.code, down.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('hello');
    const rm = await aws(['s3', 'rm', `s3://${BUCKET}/dir`, '--recursive']);
    expect(rm.code, rm.stderr).toBe(0);
    expect((await aws(['s3', 'ls', `s3://${BUCKET}/dir/`])).stdout).toBe('');
  });

  it('aws s3 cp of a file at the multipart threshold fails clearly (multipart is not served) and stores nothing', async () => {
    const big = file('big.bin', Buffer.alloc(MAX_OBJECT_BYTES, 7));
    const r = await aws(['s3', 'cp', big, `s3://${BUCKET}/big.bin`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/NotImplemented.*CreateMultipartUpload.*multipart uploads/);
    expect(await s3Failure(t.client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'big.bin' })))).toMatchObject({ name: 'NotFound', status: 404 });
  });

  it('s3api: a missing key is 404 on head-object, NoSuchKey on get-object; delete-object of it succeeds', async () => {
    const head = await aws(['s3api', 'head-object', '--bucket', BUCKET, '--key', 'none.txt']);
    expect(head.stderr).toMatch(/\(404\).*HeadObject/);
    const get = await aws(['s3api', 'get-object', '--bucket', BUCKET, '--key', 'none.txt', join(t.dir, 'none')]);
    expect(get.stderr).toMatch(/NoSuchKey/);
    const del = await aws(['s3api', 'delete-object', '--bucket', BUCKET, '--key', 'none.txt']);
    expect(del.code, del.stderr).toBe(0);
  });

  it('aws s3 presign with signature_version s3v4 gives a URL plain fetch can read', async () => {
    await t.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'avatars/p q.png', Body: 'png', ContentType: 'image/png' }));
    const r = await aws(['s3', 'presign', `s3://${BUCKET}/avatars/p q.png`, '--expires-in', '300'], { AWS_CONFIG_FILE: configFile('aws-config-v4', '    signature_version = s3v4\n') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('X-Amz-Algorithm=AWS4-HMAC-SHA256');
    const got = await fetch(r.stdout.trim());
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(await got.text()).toBe('png');
  });

  it('Signature Version 2 (the CLI v1 default for presign) is 400 InvalidRequest naming AWS4-HMAC-SHA256, as S3 without SigV2', async () => {
    const expectRefused = async (got: Response) => {
      expect(got.status).toBe(400);
      const body = await got.text();
      expect(body).toContain('<Code>InvalidRequest</Code>');
      expect(body).toContain('Please use AWS4-HMAC-SHA256.');
    };
    const path = `${t.gateway.url}/${BUCKET}/avatars/p%20q.png`;
    await expectRefused(await fetch(`${path}?AWSAccessKeyId=${t.credentials.accessKeyId}&Signature=c2ln&Expires=4102444800`));
    await expectRefused(await fetch(path, { headers: { authorization: `AWS ${t.credentials.accessKeyId}:c2ln` } }));
    const r = await aws(['s3', 'presign', `s3://${BUCKET}/avatars/p q.png`, '--expires-in', '300']);
    expect(r.code, r.stderr).toBe(0);
    // AWS CLI v1 presigns with SigV2 unless configured (v2 with SigV4, read above)
    if (r.stdout.includes('AWSAccessKeyId=')) await expectRefused(await fetch(r.stdout.trim()));
  });
});
