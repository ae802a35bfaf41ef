import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { type Logger, silentLogger } from '../../../common/logger';
import { type GatewayHandle, startGateway } from '../../../local/gateway/index';
import type { ColumnMeta, RetentionProperties, TableMeta } from '../../../local/timestream/catalog';
import { createTimestreamService, type TimestreamServiceHandle } from '../../../local/timestream/timestream-service';
import type { WireRecord } from '../../../local/timestream/write-request';

export interface TestTimestream {
  dir: string;
  gateway: GatewayHandle;
  timestream: TimestreamServiceHandle;
  /** what any @aws-sdk client needs to reach the gateway */
  clientConfig: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  write: TimestreamWriteClient;
  query: TimestreamQueryClient;
  close(): Promise<void>;
}

/**
 * The real gateway with only the Timestream service, on port 0 over a temp data dir,
 * plus the real SDK clients pointed at it. For tests of this folder and functions/ingest
 * (the full local stack adds the broker, registry and rules).
 */
export async function startTestTimestream(opts: { logger?: Logger; now?: () => number } = {}): Promise<TestTimestream> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-timestream-'));
  const logger = opts.logger ?? silentLogger();
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'AKIDTIMESTREAMTEST', secretAccessKey: 'timestream-test-secret-not-real' };
  const timestream = await createTimestreamService({ dataDir: dir, logger, ...(opts.now ? { now: opts.now } : {}) });
  const gateway = await startGateway({ port: 0, region, credentials, services: [timestream.service], logger });
  const clientConfig = { endpoint: gateway.url, region, credentials };
  const write = new TimestreamWriteClient({ ...clientConfig, maxAttempts: 1 });
  const query = new TimestreamQueryClient({ ...clientConfig, maxAttempts: 1 });
  return {
    dir,
    gateway,
    timestream,
    clientConfig,
    write,
    query,
    async close() {
      write.destroy();
      query.destroy();
      await gateway.close();
      await timestream.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * An in-memory TableMeta (no DuckDB behind it) for tests of the pure parts of the store
 * and the query translator: `columns` in DuckDB order, named `c_<i>` unless given.
 */
export function tableMeta(
  opts: {
    database?: string;
    name?: string;
    columns?: Array<Pick<ColumnMeta, 'name' | 'kind' | 'type'> & { internal?: string }>;
    retention?: RetentionProperties;
    magneticStoreWrites?: boolean;
  } = {},
): TableMeta {
  const order = (opts.columns ?? []).map((c, i) => ({ ...c, internal: c.internal ?? `c_${i}` }));
  return {
    database: opts.database ?? 'db',
    name: opts.name ?? 't',
    internal: 't_0',
    retention: opts.retention ?? { MemoryStoreRetentionPeriodInHours: 1, MagneticStoreRetentionPeriodInDays: 2 },
    magneticStoreWrites: opts.magneticStoreWrites ?? false,
    createdMs: 0,
    columns: new Map(order.map((c) => [c.name, c])),
    order,
    hadRowsAtOpen: false,
  };
}

/** A `vitals` record of one thing with one measure, `hr`, at `t` (ms), optionally versioned: the store tests' record. */
export function vitalsRecord(thing: string, t: number, hr: number, version?: number): WireRecord {
  return {
    Dimensions: [{ Name: 'thing', Value: thing }],
    MeasureName: 'vitals',
    MeasureValueType: 'MULTI',
    MeasureValues: [{ Name: 'hr', Value: String(hr), Type: 'DOUBLE' }],
    Time: String(t),
    ...(version === undefined ? {} : { Version: version }),
  };
}
