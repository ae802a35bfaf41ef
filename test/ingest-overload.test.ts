import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPulsepetStack } from '../cli/pulsepet-stack';
import type { LambdaHandler, LocalStack } from '../local/index';
import { FUNCTION_NAMES } from '../protocol/resources';
import { summarize } from '../protocol/telemetry';
import { connectMqtt, provisionTestDevice } from './support/local/stack';

/**
 * Issue 19, overload: when the Lambda queue is full the rule action fails into its
 * errorAction with the reason, as IoT does when Lambda throttles; every acknowledged
 * batch is then either queued (and ingested) or reported on pulsepet/errors, and the
 * queue stays within its bounds on disk and in memory.
 */

const MAX_QUEUE_BYTES = 256 * 1024;
const MEMORY_BYTES = 64 * 1024;
let dir: string;
let stack: LocalStack;
let release: () => void = () => {};
const ingested = new Set<string>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-overload-'));
  const gate = new Promise<void>((r) => {
    release = r;
  });
  // An ingest function that is down until released: the queue fills up.
  const slowIngest: LambdaHandler = async (event) => {
    await gate;
    ingested.add(String((event as { batchId: string }).batchId));
  };
  stack = await startPulsepetStack({
    dataDir: join(dir, 'data'),
    handlers: new Map([[FUNCTION_NAMES.ingest, slowIngest]]),
    lambdaQueue: { maxBytes: MAX_QUEUE_BYTES, memoryBytes: MEMORY_BYTES, concurrency: 4 },
  });
});
afterAll(async () => {
  release();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Rules under Lambda throttling (a full asynchronous queue)', () => {
  it('reports every refused batch through the errorAction and loses none it acknowledged', async () => {
    const errors: Array<{ ruleName?: string; base64OriginalPayload?: string; failures?: Array<{ errorMessage: string }> }> = [];
    stack.bus.onPublish('pulsepet/errors', (m) => void errors.push(JSON.parse(m.payload.toString())));
    const device = await provisionTestDevice(stack, 'overload-1');
    const client = await connectMqtt(stack, device);
    const acked: string[] = [];
    const now = Date.now();
    for (let s = 0; s < 90; s++) {
      const samples = Array.from({ length: 60 }, (_, i) => ({ t: now - 600_000 + s * 60 + i, hr: 60 + (i % 20), hrvRmssd: 45, steps: 30 }));
      const batch = { v: 1, batchId: `ov-${s}`, seq: s, samples, summary: summarize(samples) };
      await client.publishAsync('dt/pulsepet/overload-1/telemetry', JSON.stringify(batch), { qos: 1 });
      acked.push(batch.batchId);
    }
    await client.endAsync();
    const stats = stack.lambda.queueStats();
    expect(stats.throttled).toBeGreaterThan(0);
    expect(stats.diskBytes).toBeLessThanOrEqual(MAX_QUEUE_BYTES);
    expect(stats.memoryBytes).toBeLessThanOrEqual(MEMORY_BYTES);
    // the same figures on the stack's Prometheus endpoint
    const metrics = await (await fetch(`${stack.httpEndpoint}/metrics`)).text();
    expect(metrics).toContain(`pulsepet_lambda_async_queue_throttled_total ${stats.throttled}`);
    expect(metrics).toMatch(/pulsepet_lambda_async_queue_depth\{function="pulsepet-ingest"\} \d+/);
    expect(metrics).toMatch(/pulsepet_lambda_async_queue_oldest_age_seconds \d+\.\d{3}/);

    release();
    await stack.rules.idle();
    const refused = errors
      .filter((e) => e.ruleName === 'ingest_telemetry')
      .map((e) => {
        expect(e.failures?.[0]?.errorMessage).toMatch(/TooManyRequestsException: Rate Exceeded\. The asynchronous event queue is full( for [\w-]+)? \(\d+ of at most \d+ bytes on disk\)\. Message arrived on: /);
        return (JSON.parse(Buffer.from(e.base64OriginalPayload ?? '', 'base64').toString()) as { batchId: string }).batchId;
      });
    // the queue refused events of both functions the telemetry rules invoke; each refusal was reported
    const throttledReports = errors.filter((e) => /TooManyRequestsException/.test(e.failures?.[0]?.errorMessage ?? ''));
    expect(throttledReports.length).toBe(stats.throttled);
    expect(refused.length).toBeGreaterThan(0);
    // every acknowledged batch was ingested or reported, none both, none neither
    expect([...ingested, ...refused].sort()).toEqual([...acked].sort());
    // the store's figures are on the same endpoint (this ingest function writes nothing; presence rows do)
    const storeFigures = await (await fetch(`${stack.httpEndpoint}/metrics`)).text();
    expect(storeFigures).toMatch(/^pulsepet_timestream_records_total [1-9]\d*$/m);
    expect(storeFigures).toMatch(/^pulsepet_timestream_index_entries [1-9]\d*$/m);
    // and the refused ones are also kept as dead letters, with their payloads
    const letters = stack.rules.listDeadLetters().filter((d) => d.ruleName === 'ingest_telemetry');
    expect(letters.map((d) => (JSON.parse(Buffer.from(d.base64OriginalPayload, 'base64').toString()) as { batchId: string }).batchId).sort()).toEqual([...refused].sort());
  }, 60_000);
});
