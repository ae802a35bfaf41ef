import {
  QueryCommand,
  type QueryCommandOutput,
  ValidationException as QueryValidationException,
} from '@aws-sdk/client-timestream-query';
import {
  ConflictException,
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteDatabaseCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  UpdateTableCommand,
  RejectedRecordsException,
  ResourceNotFoundException,
  type _Record,
  ValidationException,
  WriteRecordsCommand,
} from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTimestream, type TestTimestream } from '../../test/support/local/timestream';

let ts: TestTimestream;
beforeAll(async () => {
  ts = await startTestTimestream();
});
afterAll(async () => {
  await ts.close();
});

const NOW = Date.now();
function vitals(thing: string, t: number, hr: number, extra: Partial<_Record> = {}): _Record {
  return {
    Dimensions: [{ Name: 'thing', Value: thing }],
    MeasureName: 'vitals',
    MeasureValueType: 'MULTI',
    MeasureValues: [
      { Name: 'hr', Value: String(hr), Type: 'DOUBLE' },
      { Name: 'steps', Value: '4', Type: 'BIGINT' },
    ],
    Time: String(t),
    TimeUnit: 'MILLISECONDS',
    ...extra,
  };
}
const write = (Records: _Record[], TableName = 'telemetry') =>
  ts.write.send(new WriteRecordsCommand({ DatabaseName: 'pulsepet', TableName, Records }));
const query = (QueryString: string, extra: { MaxRows?: number; NextToken?: string } = {}) =>
  ts.query.send(new QueryCommand({ QueryString, ...extra }));
const scalars = (out: QueryCommandOutput): Array<Array<string | null>> =>
  (out.Rows ?? []).map((r) => (r.Data ?? []).map((d) => (d.NullValue ? null : (d.ScalarValue ?? null))));

describe('Service: timestream (real SDK clients through the local gateway)', () => {
  describe('Method: WriteRecords', () => {
    it('ingests multi-measure records and reports RecordsIngested', async () => {
      const out = await write([vitals('svc-a', NOW - 1000, 70), vitals('svc-a', NOW - 2000, 71)]);
      expect(out.RecordsIngested).toEqual({ Total: 2, MemoryStore: 2, MagneticStore: 0 });
    });

    it('rejects only the bad records with RejectedRecordsException and writes the rest', async () => {
      const records = [
        vitals('svc-b', NOW - 1000, 60),
        vitals('svc-b', NOW + 3_600_000, 61), // beyond the 15-minute future window
        vitals('svc-b', NOW - 2000, 62, { Dimensions: [{ Name: 'time', Value: 'x' }] }), // reserved name
        vitals('svc-b', NOW - 3000, 63),
      ];
      const err = await write(records).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RejectedRecordsException);
      const rejected = (err as RejectedRecordsException).RejectedRecords ?? [];
      expect(rejected.map((r) => r.RecordIndex)).toEqual([1, 2]);
      expect(rejected[0]?.Reason).toMatch(/outside the time range/);
      expect(rejected[1]?.Reason).toMatch(/reserved/);
      const q = await query(`SELECT hr FROM "pulsepet"."telemetry" WHERE thing = 'svc-b' ORDER BY time`);
      expect(scalars(q)).toEqual([['63.0'], ['60.0']]);
    });

    it('upserts by version: identical replay accepted, different value rejected with ExistingVersion, higher version replaces', async () => {
      const t = NOW - 5000;
      await write([vitals('svc-c', t, 80, { Version: 3 })]);
      await expect(write([vitals('svc-c', t, 80, { Version: 3 })])).resolves.toBeDefined();
      const conflict = await write([vitals('svc-c', t, 81, { Version: 3 })]).catch((e: unknown) => e);
      expect(conflict).toBeInstanceOf(RejectedRecordsException);
      expect((conflict as RejectedRecordsException).RejectedRecords?.[0]?.ExistingVersion).toBe(3);
      await write([vitals('svc-c', t, 82, { Version: 4 })]);
      const q = await query(`SELECT hr, count(*) AS n FROM "pulsepet"."telemetry" WHERE thing = 'svc-c' GROUP BY hr`);
      expect(scalars(q)).toEqual([['82.0', '1']]);
    });

    it('fails the whole call with ValidationException for more than 100 records', async () => {
      const records = Array.from({ length: 101 }, (_, i) => vitals('svc-d', NOW - i, 70));
      await expect(write(records)).rejects.toBeInstanceOf(ValidationException);
      const q = await query(`SELECT count(*) FROM "pulsepet"."telemetry" WHERE thing = 'svc-d'`);
      expect(scalars(q)).toEqual([['0']]);
    });

    it('answers ResourceNotFoundException for a table that does not exist', async () => {
      await expect(write([vitals('svc-e', NOW, 70)], 'nope')).rejects.toBeInstanceOf(ResourceNotFoundException);
    });
  });

  describe('Method: CreateTable / DescribeTable', () => {
    it('creates a table, describes it, and refuses to create it twice', async () => {
      await ts.write.send(
        new CreateTableCommand({
          DatabaseName: 'pulsepet',
          TableName: 'scratch',
          RetentionProperties: { MemoryStoreRetentionPeriodInHours: 1, MagneticStoreRetentionPeriodInDays: 1 },
        }),
      );
      const d = await ts.write.send(new DescribeTableCommand({ DatabaseName: 'pulsepet', TableName: 'scratch' }));
      expect(d.Table?.TableStatus).toBe('ACTIVE');
      expect(d.Table?.RetentionProperties?.MemoryStoreRetentionPeriodInHours).toBe(1);
      await expect(
        ts.write.send(new CreateTableCommand({ DatabaseName: 'pulsepet', TableName: 'scratch' })),
      ).rejects.toBeInstanceOf(ConflictException);
      // outside the 1-hour memory store, magnetic writes disabled → rejected
      await expect(write([vitals('svc-f', NOW - 2 * 3_600_000, 70)], 'scratch')).rejects.toBeInstanceOf(RejectedRecordsException);
    });
  });

  describe('Method: CreateDatabase / CreateTable names', () => {
    it('refuses a name WriteRecords would refuse (outside [a-zA-Z0-9_.-]) with ValidationException, and creates nothing', async () => {
      await expect(ts.write.send(new CreateTableCommand({ DatabaseName: 'pulsepet', TableName: 'bad name!' }))).rejects.toBeInstanceOf(ValidationException);
      await expect(ts.write.send(new CreateDatabaseCommand({ DatabaseName: 'lab/2' }))).rejects.toBeInstanceOf(ValidationException);
      await expect(ts.write.send(new DescribeTableCommand({ DatabaseName: 'pulsepet', TableName: 'bad name!' }))).rejects.toBeInstanceOf(ValidationException);
      await ts.write.send(new CreateTableCommand({ DatabaseName: 'pulsepet', TableName: 'good_name-1.0' }));
      await expect(write([vitals('svc-n', NOW - 1000, 70)], 'good_name-1.0')).resolves.toMatchObject({ RecordsIngested: { Total: 1 } });
    });
  });

  describe('Method: UpdateTable / DeleteTable / DeleteDatabase', () => {
    it('updates retention, deletes a table with its data, and deletes a database only when empty', async () => {
      await ts.write.send(new CreateDatabaseCommand({ DatabaseName: 'lab' }));
      await ts.write.send(new CreateTableCommand({ DatabaseName: 'lab', TableName: 'runs' }));
      const up = await ts.write.send(
        new UpdateTableCommand({
          DatabaseName: 'lab',
          TableName: 'runs',
          RetentionProperties: { MemoryStoreRetentionPeriodInHours: 48, MagneticStoreRetentionPeriodInDays: 30 },
        }),
      );
      expect(up.Table?.RetentionProperties?.MemoryStoreRetentionPeriodInHours).toBe(48);
      await ts.write.send(new WriteRecordsCommand({ DatabaseName: 'lab', TableName: 'runs', Records: [vitals('lab-1', NOW - 30 * 3_600_000, 70)] }));
      await expect(ts.write.send(new DeleteDatabaseCommand({ DatabaseName: 'lab' }))).rejects.toBeInstanceOf(ValidationException);
      await ts.write.send(new DeleteTableCommand({ DatabaseName: 'lab', TableName: 'runs' }));
      await expect(ts.write.send(new DescribeTableCommand({ DatabaseName: 'lab', TableName: 'runs' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
      await expect(query('SELECT count(*) FROM "lab"."runs"')).rejects.toBeInstanceOf(QueryValidationException);
      await ts.write.send(new DeleteDatabaseCommand({ DatabaseName: 'lab' }));
    });
  });

  describe('Method: Query', () => {
    it("answers a failure of the store itself with InternalServerException (500, retried by the SDK), the query's own error with ValidationException", async () => {
      const store = ts.timestream.store;
      const original = store.runQuery.bind(store);
      const failWith = (message: string) => {
        store.runQuery = () => Promise.reject(new Error(message));
      };
      try {
        failWith('IO Error: Could not read from file "timestream.duckdb": Input/output error');
        const io = await query(`SELECT count(*) FROM "pulsepet"."telemetry"`).catch((e: unknown) => e);
        expect(io).toMatchObject({ name: 'InternalServerException', $metadata: { httpStatusCode: 500 } });
        failWith('Out of Memory Error: could not allocate block of size 256.0 KiB');
        await expect(query(`SELECT count(*) FROM "pulsepet"."telemetry"`)).rejects.toMatchObject({ name: 'InternalServerException' });
        failWith('Conversion Error: Could not convert string to DOUBLE');
        await expect(query(`SELECT count(*) FROM "pulsepet"."telemetry"`)).rejects.toThrow(
          expect.objectContaining({ name: 'ValidationException', message: 'The query could not be executed: Conversion Error: Could not convert string to DOUBLE' }),
        );
      } finally {
        store.runQuery = original;
      }
      expect((await query(`SELECT count(*) FROM "pulsepet"."telemetry"`)).Rows).toHaveLength(1);
    });

    it('answers bin/avg/min/max/count/approx_percentile in Timestream response shape', async () => {
      const base = Math.floor((NOW - 10 * 60_000) / 300_000) * 300_000;
      await write([0, 60_000, 120_000, 301_000].map((d, i) => vitals('svc-q', base + d, 60 + i * 10)));
      const q = await query(
        `SELECT bin(time, 5m) AS b, avg(hr) AS avg_hr, min(hr), max(hr), count(*) AS n, approx_percentile(hr, 0.5) AS p50
         FROM "pulsepet"."telemetry" WHERE thing = 'svc-q' AND measure_name = 'vitals' AND time BETWEEN ago(15m) AND now()
         GROUP BY bin(time, 5m) ORDER BY b ASC`,
      );
      expect(q.ColumnInfo?.map((c) => [c.Name, c.Type?.ScalarType])).toEqual([
        ['b', 'TIMESTAMP'],
        ['avg_hr', 'DOUBLE'],
        ['_col2', 'DOUBLE'],
        ['_col3', 'DOUBLE'],
        ['n', 'BIGINT'],
        ['p50', 'DOUBLE'],
      ]);
      const binText = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)}.000000000`;
      expect(scalars(q)).toEqual([
        [binText(base), '70.0', '60.0', '80.0', '3', '70.0'],
        [binText(base + 300_000), '90.0', '90.0', '90.0', '1', '90.0'],
      ]);
      expect(q.QueryId).toMatch(/\S/);
      expect(q.NextToken).toBeUndefined();
    });

    it('answers max_by, CAST and date_trunc as Timestream does', async () => {
      const q = await query(
        `SELECT max_by(hr, time) AS latest, CAST(avg(hr) AS bigint) AS mean, count(DISTINCT date_trunc('day', time)) AS days
         FROM "pulsepet"."telemetry" WHERE thing = 'svc-q'`,
      );
      expect(q.ColumnInfo?.map((c) => c.Type?.ScalarType)).toEqual(['DOUBLE', 'BIGINT', 'BIGINT']);
      const base = Math.floor((NOW - 10 * 60_000) / 300_000) * 300_000;
      const days = new Set([0, 60_000, 120_000, 301_000].map((d) => new Date(base + d).toISOString().slice(0, 10))).size;
      expect(scalars(q)).toEqual([['90.0', '75', String(days)]]);
      const iso = new Date(base).toISOString();
      const r = await query(
        `SELECT to_iso8601(min(time)) FROM "pulsepet"."telemetry" WHERE thing = 'svc-q' AND time >= from_iso8601_timestamp('${iso}')`,
      );
      expect(scalars(r)).toEqual([[iso]]);
    });

    it('pages with NextToken: every row exactly once, and the same token answers the same page', async () => {
      await write(Array.from({ length: 25 }, (_, i) => vitals('svc-page', NOW - 100_000 + i, 100 + i)));
      const sql = `SELECT hr FROM "pulsepet"."telemetry" WHERE thing = 'svc-page' ORDER BY time`;
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page: QueryCommandOutput = await query(sql, { MaxRows: 10, ...(token ? { NextToken: token } : {}) });
        if (token) {
          const again = await query(sql, { MaxRows: 10, NextToken: token });
          expect(scalars(again)).toEqual(scalars(page));
        }
        seen.push(...scalars(page).map((r) => r[0] ?? ''));
        token = page.NextToken;
        pages++;
      } while (token);
      expect(pages).toBe(3);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `${100 + i}.0`));
    });

    it('refuses a NextToken presented with a different query string', async () => {
      const first = await query(`SELECT hr FROM "pulsepet"."telemetry" WHERE thing = 'svc-page'`, { MaxRows: 1 });
      expect(first.NextToken).toBeDefined();
      await expect(
        query(`SELECT steps FROM "pulsepet"."telemetry"`, { NextToken: first.NextToken as string }),
      ).rejects.toBeInstanceOf(QueryValidationException);
    });

    it.each([
      ['SELECT * FROM "pulsepet"."telemetry" a JOIN "pulsepet"."presence" b ON a.thing = b.thing', /JOIN/],
      ['WITH x AS (SELECT 1) SELECT * FROM x', /WITH/],
      [`SELECT CASE WHEN hr > 100 THEN 'high' END FROM "pulsepet"."telemetry"`, /CASE/],
      ['SELECT hr FROM "pulsepet"."telemetry" WHERE hr > (SELECT avg(hr) FROM "pulsepet"."telemetry")', /Subquer/],
      ['SELECT interpolate_linear(hr, 1) FROM "pulsepet"."telemetry"', /Function 'interpolate_linear'/],
      ['SELECT avg(hr) OVER (PARTITION BY thing) FROM "pulsepet"."telemetry"', /Window functions/],
    ])('answers ValidationException naming the unsupported construct: %s', async (sql, what) => {
      const err = await query(sql).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QueryValidationException);
      expect((err as Error).message).toMatch(what);
      expect((err as Error).message).toMatch(/not supported/);
    });

    it('answers ValidationException for an unknown column or table', async () => {
      await expect(query('SELECT pulse FROM "pulsepet"."telemetry"')).rejects.toThrow(/Column 'pulse' does not exist/);
      await expect(query('SELECT hr FROM "pulsepet"."nope"')).rejects.toBeInstanceOf(QueryValidationException);
    });

    it('reads single-measure records through measure_value::<type> (the presence table)', async () => {
      const dims = [{ Name: 'thing', Value: 'svc-p' }];
      await write(
        [
          { Dimensions: dims, MeasureName: 'eventType', MeasureValue: 'connected', MeasureValueType: 'VARCHAR', Time: String(NOW - 60_000) },
          { Dimensions: dims, MeasureName: 'connected', MeasureValue: 'true', MeasureValueType: 'BOOLEAN', Time: String(NOW - 60_000) },
        ],
        'presence',
      );
      const q = await query(
        `SELECT measure_name, measure_value::varchar, measure_value::boolean FROM "pulsepet"."presence" WHERE thing = 'svc-p' ORDER BY measure_name`,
      );
      expect(q.ColumnInfo?.map((c) => c.Type?.ScalarType)).toEqual(['VARCHAR', 'VARCHAR', 'BOOLEAN']);
      expect(scalars(q)).toEqual([
        ['connected', null, 'true'],
        ['eventType', 'connected', null],
      ]);
    });
  });
});
