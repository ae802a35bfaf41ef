import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTimestream, type TestTimestream } from '../../test/support/local/timestream';
import { loadIngestConfig } from './config';
import { handler } from './handler';
import { batchEvent, samplesAt } from '../../test/support/functions/ingest';

let ts: TestTimestream;
const ENV_KEYS = ['AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'LOG_LEVEL'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
beforeAll(async () => {
  ts = await startTestTimestream();
  // The Lambda environment in local mode: standard SDK variables only.
  process.env.AWS_ENDPOINT_URL = ts.clientConfig.endpoint;
  process.env.AWS_REGION = ts.clientConfig.region;
  process.env.AWS_ACCESS_KEY_ID = ts.clientConfig.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = ts.clientConfig.credentials.secretAccessKey;
  process.env.LOG_LEVEL = 'silent';
});
afterAll(async () => {
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  await ts.close();
});

describe('Function: handler', () => {
  it('reaches the store from the standard environment alone (AWS_ENDPOINT_URL, no endpoint discovery)', async () => {
    const out = await handler(batchEvent('env-a', samplesAt(Date.now(), 5)), {});
    expect(out).toMatchObject({ records: 5 });
    const q = await ts.query.send(new QueryCommand({ QueryString: `SELECT count(*) FROM "pulsepet"."telemetry" WHERE thing = 'env-a'` }));
    expect(q.Rows?.[0]?.Data?.[0]?.ScalarValue).toBe('5');
  });

  it('lets a query client built from the environment alone read what the handler wrote (endpoint discovery answered locally)', async () => {
    const fromEnv = new TimestreamQueryClient({});
    try {
      const q = await fromEnv.send(new QueryCommand({ QueryString: `SELECT count(*) FROM "pulsepet"."telemetry" WHERE thing = 'env-a'` }));
      expect(q.Rows?.[0]?.Data?.[0]?.ScalarValue).toBe('5');
    } finally {
      fromEnv.destroy();
    }
  });
});

describe('Function: loadIngestConfig', () => {
  it('applies defaults and freezes the result', () => {
    const c = loadIngestConfig({});
    expect(c).toEqual({ region: 'us-east-1', database: 'pulsepet', table: 'telemetry', logLevel: 'info' });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reports every problem at once as PP_ERR_CONFIG', () => {
    expect(() => loadIngestConfig({ PULSEPET_TIMESTREAM_TABLE: 'x', LOG_LEVEL: 'loud' })).toThrow(
      /PULSEPET_TIMESTREAM_TABLE.*LOG_LEVEL|LOG_LEVEL.*PULSEPET_TIMESTREAM_TABLE/,
    );
  });
});
