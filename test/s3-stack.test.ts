import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../local/stack';
import { AVATARS } from '../protocol/resources';
import { displayCredentials } from './support/local/display';
import { s3Failure } from './support/local/s3';
import { awsClientConfig } from './support/local/stack';

/**
 * The local S3 inside the whole stack: the avatar bucket exists from the start, S3 shares
 * the gateway's port with the other services, and the display's Cognito role may read
 * avatars and nothing else of the bucket, as the role policy in protocol/ says.
 */

let dir: string;
let stack: LocalStack;
const clients: Array<{ destroy(): void }> = [];
const admin = () => track(new S3Client({ ...awsClientConfig(stack), forcePathStyle: true }));
const asDisplay = () => track(new S3Client({ endpoint: stack.httpEndpoint, region: stack.region, credentials: displayCredentials(stack), forcePathStyle: true, maxAttempts: 1 }));
function track<T extends { destroy(): void }>(c: T): T {
  clients.push(c);
  return c;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-s3-stack-'));
  stack = await startLocalStack({ dataDir: dir });
  await admin().send(new PutObjectCommand({ Bucket: AVATARS.bucket, Key: `${AVATARS.keyPrefix}calm.png`, Body: Buffer.from('png'), ContentType: 'image/png' }));
  await admin().send(new PutObjectCommand({ Bucket: AVATARS.bucket, Key: 'private/notes.txt', Body: 'secret' }));
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.destroy();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('The local stack’s S3', () => {
  it('has the avatar bucket from the start', async () => {
    await expect(admin().send(new HeadBucketCommand({ Bucket: AVATARS.bucket }))).resolves.toMatchObject({ BucketRegion: stack.region });
  });

  it('shares the port with the other services: IoT still answers, an unsigned non-bucket path keeps the JSON shape', async () => {
    const iot = track(new IoTClient(awsClientConfig(stack)));
    await expect(iot.send(new ListThingsCommand({}))).resolves.toBeDefined();
    const r = await fetch(`${stack.httpEndpoint}/things`);
    expect(r.status).toBe(403);
    expect(r.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    const anon = await fetch(`${stack.httpEndpoint}/${AVATARS.bucket}/${AVATARS.keyPrefix}calm.png`);
    expect(anon.status).toBe(403);
    expect(await anon.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('lets the display role read avatars (directly and through a URL it presigns)', async () => {
    const display = asDisplay();
    const got = await display.send(new GetObjectCommand({ Bucket: AVATARS.bucket, Key: `${AVATARS.keyPrefix}calm.png` }));
    expect(got.ContentType).toBe('image/png');
    expect(await got.Body?.transformToString()).toBe('png');
    const url = await getSignedUrl(display, new GetObjectCommand({ Bucket: AVATARS.bucket, Key: `${AVATARS.keyPrefix}calm.png` }), { expiresIn: 60 });
    expect(url).toContain('X-Amz-Security-Token=');
    expect((await fetch(url)).status).toBe(200);
  });

  it('denies the display role anything else of the bucket with 403 AccessDenied', async () => {
    const display = asDisplay();
    const denied = { name: 'AccessDenied', status: 403 };
    expect(await s3Failure(display.send(new GetObjectCommand({ Bucket: AVATARS.bucket, Key: 'private/notes.txt' })))).toMatchObject(denied);
    expect(await s3Failure(display.send(new PutObjectCommand({ Bucket: AVATARS.bucket, Key: `${AVATARS.keyPrefix}forged.png`, Body: 'x' })))).toMatchObject(denied);
    expect(await s3Failure(display.send(new ListObjectsV2Command({ Bucket: AVATARS.bucket })))).toMatchObject(denied);
  });

  it('counts its requests on GET /metrics', async () => {
    const text = await (await fetch(`${stack.httpEndpoint}/metrics`)).text();
    expect(text).toMatch(/^pulsepet_s3_requests_total\{operation="PutObject",status="200"\} [1-9]/m);
  });

  it('keeps the avatars across a restart of the stack', async () => {
    await stack.close();
    stack = await startLocalStack({ dataDir: dir });
    const got = await admin().send(new GetObjectCommand({ Bucket: AVATARS.bucket, Key: `${AVATARS.keyPrefix}calm.png` }));
    expect(await got.Body?.transformToString()).toBe('png');
  }, 60_000);
});
