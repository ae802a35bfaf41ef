import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPulsepetStack } from '../cli/pulsepet-stack';
import type { LocalStack } from '../local/index';
import { MODEL_ENDPOINT_NAME } from '../functions/reasoning/model-container';
import { AVATARS } from '../protocol/resources';
import { awsCliEnv, pathStyleConfigFile, requireAwsCli } from './support/awscli';
import { runProcess } from './support/cli';
import { awsClientConfig } from './support/local/stack';

/**
 * Parity with an independent client: the AWS CLI (botocore, Debian's `awscli`) works
 * against the local stack with nothing but `--endpoint-url` and the env file's variables.
 */

let dir: string;
let stack: LocalStack;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  requireAwsCli();
  dir = mkdtempSync(join(tmpdir(), 'pp-awscli-'));
  stack = await startPulsepetStack({ dataDir: join(dir, 'data') });
  // path-style addressing (`/{bucket}/{key}`), as the SDK's forcePathStyle
  env = awsCliEnv({ home: dir, credentials: stack.credentials, region: stack.region, configFile: pathStyleConfigFile(dir) });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the AWS CLI asynchronously (the stack answers on this process's event loop). */
function aws(args: string[]) {
  return runProcess(requireAwsCli(), ['--endpoint-url', stack.httpEndpoint, ...args], env);
}

describe('The AWS CLI against the local stack', () => {
  it('reads a named shadow written with the SDK (iot-data get-thing-shadow)', async () => {
    const data = new IoTDataPlaneClient(awsClientConfig(stack));
    await data.send(new UpdateThingShadowCommand({ thingName: 'cli-1', shadowName: 'pet', payload: Buffer.from(JSON.stringify({ state: { desired: { mood: 'calm', energy: 0.5, message: 'hi' } } })) }));
    data.destroy();
    const out = join(dir, 'pet.json');
    const r = await aws(['iot-data', 'get-thing-shadow', '--thing-name', 'cli-1', '--shadow-name', 'pet', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ state: { desired: { mood: 'calm' } }, version: 1 });
  });

  it('gets AWS error types it understands (ResourceNotFoundException for a missing shadow)', async () => {
    const r = await aws(['iot-data', 'get-thing-shadow', '--thing-name', 'nobody', '--shadow-name', 'pet', join(dir, 'x.json')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/ResourceNotFoundException/);
  });

  it('invokes the models endpoint (sagemaker-runtime invoke-endpoint) and gets a prediction', async () => {
    const body = JSON.stringify({ now: 1_796_400_000_000, minutes: [], baseline: { days: 0 } });
    const out = join(dir, 'prediction.json');
    const input = join(dir, 'features.json');
    writeFileSync(input, body);
    // fileb:// sends the file's bytes as they are, in AWS CLI v1 and v2 alike
    const r = await aws(['sagemaker-runtime', 'invoke-endpoint', '--endpoint-name', MODEL_ENDPOINT_NAME, '--content-type', 'application/json', '--body', `fileb://${input}`, out]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ stress: { state: 'unknown' }, calibrating: true });
  });

  it("gets the display's unauthenticated identity and its temporary credentials (cognito-identity, unsigned as on AWS)", async () => {
    const id = await aws(['cognito-identity', 'get-id', '--identity-pool-id', stack.display.identityPoolId]);
    expect(id.code, id.stderr).toBe(0);
    const { IdentityId } = JSON.parse(id.stdout) as { IdentityId: string };
    expect(IdentityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    const got = await aws(['cognito-identity', 'get-credentials-for-identity', '--identity-id', IdentityId]);
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ IdentityId, Credentials: { AccessKeyId: expect.stringMatching(/^ASIA/) } });
    const unknown = await aws(['cognito-identity', 'get-id', '--identity-pool-id', 'us-east-1:00000000-0000-0000-0000-000000000000']);
    expect(unknown.stderr).toMatch(/ResourceNotFoundException/);
  });

  it('puts, heads, gets and lists an avatar in the local S3 (s3api, path-style)', async () => {
    const file = join(dir, 'avatar.png');
    writeFileSync(file, Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    const key = `${AVATARS.keyPrefix}cli test.png`;
    const bucket = ['--bucket', AVATARS.bucket];
    const put = await aws(['s3api', 'put-object', ...bucket, '--key', key, '--body', file, '--content-type', 'image/png', '--metadata', 'hash=abc']);
    expect(put.code, put.stderr).toBe(0);
    const { ETag } = JSON.parse(put.stdout) as { ETag: string };
    expect(ETag).toMatch(/^"[0-9a-f]{32}"$/);
    const head = await aws(['s3api', 'head-object', ...bucket, '--key', key]);
    expect(head.code, head.stderr).toBe(0);
    expect(JSON.parse(head.stdout)).toMatchObject({ ContentLength: 7, ContentType: 'image/png', ETag, Metadata: { hash: 'abc' } });
    const out = join(dir, 'avatar-copy.png');
    const get = await aws(['s3api', 'get-object', ...bucket, '--key', key, out]);
    expect(get.code, get.stderr).toBe(0);
    expect(readFileSync(out)).toEqual(readFileSync(file));
    const list = await aws(['s3api', 'list-objects-v2', ...bucket, '--prefix', AVATARS.keyPrefix]);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { Contents: Array<{ Key: string }> }).Contents.map((c) => c.Key)).toContain(key);
  });

  it('gets S3 error codes it understands (NoSuchKey, NoSuchBucket)', async () => {
    const missing = await aws(['s3api', 'get-object', '--bucket', AVATARS.bucket, '--key', 'avatars/none.png', join(dir, 'none.png')]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/NoSuchKey/);
    const noBucket = await aws(['s3api', 'list-objects-v2', '--bucket', 'no-such-bucket']);
    expect(noBucket.stderr).toMatch(/NoSuchBucket/);
  });
});
