import { QueryCommand } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { isPulsepetError, type PulsepetError } from '../../protocol/errors';
import { startTestTimestream, type TestTimestream } from '../../test/support/local/timestream';
import { createTimestreamWriteClient } from '../../common/timestream-write-client';
import type { FunctionErrorReport } from '../../protocol/error-report';
import { createIngestHandler, type IngestHandlerDeps } from './handler';
import { batchEvent, samplesAt } from '../../test/support/functions/ingest';

let ts: TestTimestream;
let deps: IngestHandlerDeps;
const reports: FunctionErrorReport[] = [];
beforeAll(async () => {
  ts = await startTestTimestream();
  deps = { client: ts.write, database: 'pulsepet', table: 'telemetry', logger: silentLogger(), report: async (r) => void reports.push(r) };
});
afterAll(async () => {
  await ts.close();
});

async function rows(thing: string): Promise<string[][]> {
  const out: string[][] = [];
  let NextToken: string | undefined;
  do {
    const q = await ts.query.send(
      new QueryCommand({
        QueryString: `SELECT to_milliseconds(time), hr, steps FROM "pulsepet"."telemetry" WHERE thing = '${thing}' AND measure_name = 'vitals' ORDER BY time`,
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    for (const r of q.Rows ?? []) out.push((r.Data ?? []).map((d) => d.ScalarValue ?? 'null'));
    NextToken = q.NextToken;
  } while (NextToken);
  return out;
}
async function failure(p: Promise<unknown>): Promise<PulsepetError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isPulsepetError(e)) throw new Error(`expected a PulsepetError, got ${String(e)}`);
  return e;
}

describe('Function: ingest handler (real client-timestream-write through the local gateway)', () => {
  it('writes one record per sample in calls of at most 100, queryable through client-timestream-query', async () => {
    const now = Date.now();
    const samples = samplesAt(now, 250);
    const out = await createIngestHandler(deps)(batchEvent('ing-a', samples, 7));
    expect(out).toEqual({ thing: 'ing-a', batchId: 'b-ing-a-7', seq: 7, records: 250, calls: 3 });
    const got = await rows('ing-a');
    expect(got).toEqual(samples.map((s) => [String(s.t), `${s.hr}.0`, String(s.steps)]));
  });

  it('is idempotent: the same batch delivered twice leaves every sample stored once', async () => {
    const event = batchEvent('ing-b', samplesAt(Date.now(), 120), 3);
    const client = createTimestreamWriteClient({ ...ts.clientConfig, maxSockets: 4, maxAttempts: 1 });
    const handle = createIngestHandler({ ...deps, client });
    await handle(event);
    await handle(event);
    await Promise.all([handle(event), handle(event)]);
    client.destroy();
    expect(await rows('ing-b')).toHaveLength(120);
  });

  it('reports a malformed batch on the error channel and returns (no retry), leaving the good batches around it intact', async () => {
    const handle = createIngestHandler(deps);
    const now = Date.now();
    await handle(batchEvent('ing-c', samplesAt(now, 10, 60_000), 1));
    const bad = batchEvent('ing-c', samplesAt(now, 5, 30_000), 2);
    (bad.samples as Array<Record<string, unknown>>)[3]!.hr = 'fast';
    const out = await handle(bad, { awsRequestId: 'req-c' });
    expect(out).toMatchObject({ refused: true, code: 'PP_ERR_VALIDATION' });
    const report = reports.find((r) => r.batchId === bad.batchId);
    expect(report).toMatchObject({ functionName: 'pulsepet-ingest', requestId: 'req-c', code: 'PP_ERR_VALIDATION', retryable: false, thing: 'ing-c', seq: 2 });
    expect(report?.problems.join(' ')).toMatch(/samples\.3\.hr/);
    expect(JSON.parse(Buffer.from(report?.base64Event ?? '', 'base64').toString())).toEqual(bad);
    await handle(batchEvent('ing-c', samplesAt(now, 10, 1000), 3));
    expect(await rows('ing-c')).toHaveLength(20);
  });

  it('reports samples the store rejects (outside the ingestion window) and keeps the accepted ones', async () => {
    const now = Date.now();
    const samples = samplesAt(now, 4);
    samples[2]!.t = now + 3_600_000;
    const out = await createIngestHandler(deps)(batchEvent('ing-d', samples, 1));
    expect(out).toMatchObject({ refused: true, code: 'PP_ERR_VALIDATION' });
    expect(reports.find((r) => r.batchId === 'b-ing-d-1')?.message).toMatch(/rejected 1 of 4 samples: sample 2/);
    expect(await rows('ing-d')).toHaveLength(3);
  });

  it('fails with a retryable error when the refusal cannot be reported, so the batch is retried instead of lost', async () => {
    const bad = batchEvent('ing-g', samplesAt(Date.now(), 2), 1);
    (bad.samples as Array<Record<string, unknown>>)[0]!.hr = -1;
    const unreachable = { ...deps, report: () => Promise.reject(new Error('iot data plane down')) };
    const err = await failure(createIngestHandler(unreachable)(bad));
    expect(err.code).toBe('PP_ERR_TRANSPORT');
    expect(err.retryable).toBe(true);
  });

  it('fails with a retryable PP_ERR_STORE when the store is unreachable, and the retry then stores the batch', async () => {
    const event = batchEvent('ing-e', samplesAt(Date.now(), 30), 9);
    // a port nothing listens on: the gateway of a store that is down
    const down = new TimestreamWriteClient({ ...ts.clientConfig, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    const err = await failure(createIngestHandler({ ...deps, client: down })(event));
    down.destroy();
    expect(err.code).toBe('PP_ERR_STORE');
    expect(err.retryable).toBe(true);
    expect(await rows('ing-e')).toHaveLength(0);
    await createIngestHandler(deps)(event);
    expect(await rows('ing-e')).toHaveLength(30);
  });

  it('fails with a retryable PP_ERR_STORE when the table is missing (misconfiguration keeps the batch for the DLQ)', async () => {
    const err = await failure(createIngestHandler({ ...deps, table: 'missing' })(batchEvent('ing-f', samplesAt(Date.now(), 2))));
    expect(err.code).toBe('PP_ERR_STORE');
    expect(err.retryable).toBe(true);
  });
});
