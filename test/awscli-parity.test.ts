import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPulsepetStack } from '../cli/pulsepet-stack';
import type { LocalStack } from '../local/index';
import { MODEL_ENDPOINT_NAME } from '../functions/reasoning/model-container';
import { runProcess } from './support/cli';
import { awsClientConfig } from './support/local/stack';

/**
 * Parity with an independent client: the AWS CLI (botocore, Debian's `awscli`) works
 * against the local stack with nothing but `--endpoint-url` and the env file's variables.
 */

function awsCli(): string {
  const found = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error('the AWS CLI is not installed; install it with: apt-get update && apt-get install -y awscli');
  return 'aws';
}

let dir: string;
let stack: LocalStack;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  awsCli();
  dir = mkdtempSync(join(tmpdir(), 'pp-awscli-'));
  stack = await startPulsepetStack({ dataDir: join(dir, 'data') });
  env = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
    AWS_DEFAULT_REGION: stack.region,
    AWS_PAGER: '',
  };
}, 60_000);
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the AWS CLI asynchronously (the stack answers on this process's event loop). */
function aws(args: string[]) {
  return runProcess(awsCli(), ['--endpoint-url', stack.httpEndpoint, ...args], env);
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
});
