import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPulsepetStack } from '../cli/pulsepet-stack';
import { FUNCTIONS } from '../functions/registry';
import type { LocalStack } from '../local/index';
import { FUNCTION_NAMES } from '../protocol/resources';
import { summarize } from '../protocol/telemetry';
import { runProcess } from '../test/support/cli';
import { batchEvent, samplesAt } from '../test/support/functions/ingest';
import { minutesOf, readPet } from '../test/support/functions/reasoning-e2e';
import { awsClientConfig } from '../test/support/local/stack';
import { BUNDLE_FILE, bundleFunction } from './bundle';

/**
 * The artifacts infra zips for Lambda, run as Lambda would run them (a Node process of
 * the version running this suite importing index.mjs and calling the handler with an
 * event) against the local stack, which speaks the AWS wire protocols: what was tested
 * locally is what is deployed.
 */

let dir: string;
let stack: LocalStack;
const bundles = new Map<string, string>();
const errors: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-bundle-e2e-'));
  for (const def of FUNCTIONS) bundles.set(def.name, join(bundleFunction(def, join(dir, 'bundles')).dir, BUNDLE_FILE));
  stack = await startPulsepetStack({ dataDir: join(dir, 'data'), lambdaRetryDelaysMs: [5, 5] });
  stack.bus.onPublish('pulsepet/errors', (m) => {
    errors.push(JSON.parse(m.payload.toString('utf8')) as Record<string, unknown>);
  });
}, 120_000);
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Invokes a bundled handler in a child process with the environment infra gives it (the endpoint aside). */
async function invoke(name: string, event: unknown): Promise<Record<string, unknown>> {
  const def = FUNCTIONS.find((f) => f.name === name);
  const file = bundles.get(name);
  if (def === undefined || file === undefined) throw new Error(name);
  const script = 'const m = await import(process.argv[1]); const r = await m.handler(JSON.parse(process.argv[2]), { awsRequestId: "e2e" }); process.stdout.write("\\n" + JSON.stringify(r));';
  const env = {
    PATH: process.env.PATH ?? '',
    ...def.environment,
    AWS_ENDPOINT_URL: stack.httpEndpoint,
    AWS_ENDPOINT_URL_IOT_DATA_PLANE: stack.httpEndpoint,
    AWS_REGION: stack.region,
    AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    PULSEPET_COACH: 'deterministic',
    NODE_OPTIONS: '--enable-source-maps',
    LOG_LEVEL: 'warn',
  };
  const r = await runProcess(process.execPath, ['--input-type=module', '-e', script, file, JSON.stringify(event)], env, 60_000);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.split('\n').at(-1) ?? '') as Record<string, unknown>;
}

describe('The bundled functions on the local stack', () => {
  it('ingest writes a batch to Timestream through the real client', async () => {
    const now = Date.now();
    const result = await invoke(FUNCTION_NAMES.ingest, batchEvent('bundle-1', samplesAt(now, 30)));
    expect(result).toMatchObject({ records: 30 });
    const query = new TimestreamQueryClient(awsClientConfig(stack));
    const rows = await query.send(new QueryCommand({ QueryString: `SELECT count(*) FROM "pulsepet"."telemetry" WHERE thing = 'bundle-1'` }));
    query.destroy();
    expect(rows.Rows?.[0]?.Data?.[0]?.ScalarValue).toBe('30');
  }, 60_000);

  it('ingest reports a batch it can never store on pulsepet/errors and does not fail the invocation', async () => {
    const result = await invoke(FUNCTION_NAMES.ingest, { v: 1, thing: 'bundle-bad', samples: 'nope' });
    expect(result).toMatchObject({ refused: true, code: 'PP_ERR_VALIDATION' });
    expect(errors).toContainEqual(expect.objectContaining({ functionName: FUNCTION_NAMES.ingest, code: 'PP_ERR_VALIDATION', thing: 'bundle-bad' }));
  }, 60_000);

  it('reasoning turns a batch into the pet shadow', async () => {
    const samples = minutesOf('stress').slice(-300);
    await invoke(FUNCTION_NAMES.reasoning, { v: 1, batchId: 'b-r-0', seq: 0, samples, summary: summarize(samples), thing: 'bundle-pet' });
    const data = new IoTDataPlaneClient({ ...awsClientConfig(stack), maxAttempts: 4 });
    const pet = await readPet(data, 'bundle-pet');
    data.destroy();
    expect(pet.version).toBeGreaterThan(0);
    expect(pet.desired?.message.length).toBeGreaterThan(0);
  }, 60_000);

  it('the daily summary walks the registry on a scheduled run', async () => {
    const iot = new IoTClient(awsClientConfig(stack));
    await iot.send(new CreateThingCommand({ thingName: 'bundle-day' }));
    iot.destroy();
    const result = await invoke(FUNCTION_NAMES.dailySummary, { source: 'pulsepet.schedule', schedule: 'daily_summary', scheduledTime: new Date().toISOString() });
    expect(result).toMatchObject({ failed: [] });
    expect(Number(result.written) + Number(result.empty)).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
