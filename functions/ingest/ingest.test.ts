import { QueryCommand } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { isPulsepetError, type PulsepetError } from '../../protocol/errors';
import { startTestTimestream, type TestTimestream } from '../../test/support/local/timestream';
import { createTimestreamWriteClient } from '../../common/timestream-write-client';
import { createIngestHandler } from './handler';
import type { IngestDeps } from './ingest';
import { batchEvent, samplesAt } from '../../test/support/functions/ingest';

let ts: TestTimestream;
let deps: IngestDeps;
beforeAll(async () => {
  ts = await startTestTimestream();
  deps = { client: ts.write, database: 'pulsepet', table: 'telemetry', logger: silentLogger() };
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

  it('reports a malformed batch as non-retryable PP_ERR_VALIDATION and leaves the good batches around it intact', async () => {
    const handle = createIngestHandler(deps);
    const now = Date.now();
    await handle(batchEvent('ing-c', samplesAt(now, 10, 60_000), 1));
    const bad = batchEvent('ing-c', samplesAt(now, 5, 30_000), 2);
    (bad.samples as Array<Record<string, unknown>>)[3]!.hr = 'fast';
    const err = await failure(handle(bad));
    expect(err.code).toBe('PP_ERR_VALIDATION');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/samples\.3\.hr/);
    await handle(batchEvent('ing-c', samplesAt(now, 10, 1000), 3));
    expect(await rows('ing-c')).toHaveLength(20);
  });

  it('reports samples the store rejects (outside the ingestion window) and keeps the accepted ones', async () => {
    const now = Date.now();
    const samples = samplesAt(now, 4);
    samples[2]!.t = now + 3_600_000;
    const err = await failure(createIngestHandler(deps)(batchEvent('ing-d', samples, 1)));
    expect(err.code).toBe('PP_ERR_VALIDATION');
    expect(err.details?.rejected).toEqual([expect.objectContaining({ sampleIndex: 2 })]);
    expect(await rows('ing-d')).toHaveLength(3);
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
