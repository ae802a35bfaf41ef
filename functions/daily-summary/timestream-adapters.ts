/**
 * Tables `telemetry` and `daily` through the real Timestream clients. Vendor errors are
 * translated here: a missing table or column means "no data yet"; a rejected daily
 * record is permanent (PP_ERR_VALIDATION); anything else is a retryable PP_ERR_STORE.
 */
import { type ColumnInfo, QueryCommand, type Row, type TimestreamQueryClient, ValidationException } from '@aws-sdk/client-timestream-query';
import {
  ConflictException,
  CreateTableCommand,
  type MeasureValue,
  RejectedRecordsException,
  ResourceNotFoundException,
  type TimestreamWriteClient,
  WriteRecordsCommand,
} from '@aws-sdk/client-timestream-write';
import { ANOMALY_METRICS, DAILY_RECORD, DAILY_TABLE_RETENTION, EXPLANATION_MEASURES, zMeasureName } from '../../protocol/daily';
import { PulsepetError } from '../../protocol/errors';
import type { HistoryDay } from './anomalies';
import type { MinuteRow } from './minute-rows';
import type { DailyStorePort, StoredDay, TelemetryPort } from './ports';

/** Where the two tables are. */
export interface TimestreamTables {
  database: string;
  telemetryTable: string;
  dailyTable: string;
}

/** Timestream renders a timestamp as 'YYYY-MM-DD HH:MM:SS.nnnnnnnnn' (UTC). */
export function parseTimestreamTime(s: string): number {
  return Date.parse(`${s.slice(0, 23).replace(' ', 'T')}Z`);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Every row of a query, following NextToken, as name → scalar (undefined for NULL). */
async function queryAll(client: TimestreamQueryClient, sql: string): Promise<Array<Map<string, string | undefined>>> {
  const out: Array<Map<string, string | undefined>> = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(new QueryCommand({ QueryString: sql, ...(NextToken ? { NextToken } : {}) }));
    const names = (page.ColumnInfo ?? []).map((c: ColumnInfo) => c.Name ?? '');
    for (const row of page.Rows ?? []) out.push(rowMap(names, row));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

function rowMap(names: readonly string[], row: Row): Map<string, string | undefined> {
  const m = new Map<string, string | undefined>();
  names.forEach((n, i) => {
    const d = row.Data?.[i];
    m.set(n, d === undefined || d.NullValue ? undefined : d.ScalarValue);
  });
  return m;
}

const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
/** The column a query named that the table has never carried ("Column 'x' cannot be resolved" / "does not exist"). */
const missingColumn = (e: unknown) => (e instanceof ValidationException ? /Column '([^']+)' (?:cannot be resolved|does not exist)/i.exec(e.message)?.[1] : undefined);
const missingTable = (e: unknown) => e instanceof ValidationException && missingColumn(e) === undefined && /(table|database) \S+ does not exist/i.test(e.message);

function storeError(what: string, e: unknown): PulsepetError {
  return new PulsepetError('PP_ERR_STORE', `${what} failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e, retryable: true });
}

/** The per-minute aggregate columns, by the telemetry measure they read. */
const MINUTE_COLUMNS = [
  ['hr', 'count(hr) AS n, approx_percentile(hr, 0.5) AS hr'],
  ['hrvRmssd', 'approx_percentile(hrvRmssd, 0.5) AS rmssd'],
  ['steps', 'sum(steps) AS steps'],
  ['accelG', 'avg(accelG) AS accel'],
  ['skinTempC', 'avg(skinTempC) AS skin'],
] as const;

function minuteSql(t: TimestreamTables, thing: string, fromMs: number, toMs: number, measures: ReadonlySet<string>): string {
  const cols = MINUTE_COLUMNS.filter(([m]) => measures.has(m)).map(([, sql]) => sql);
  return [
    `SELECT bin(time, 1m) AS minute, count(*) AS samples${cols.map((c) => `, ${c}`).join('')}`,
    `FROM "${t.database}"."${t.telemetryTable}"`,
    `WHERE thing = '${thing}' AND measure_name = 'vitals'`,
    `AND time >= from_iso8601_timestamp('${iso(fromMs)}') AND time < from_iso8601_timestamp('${iso(toMs)}')`,
    'GROUP BY bin(time, 1m) ORDER BY minute',
  ].join(' ');
}

function minuteRow(r: Map<string, string | undefined>): MinuteRow {
  const row: MinuteRow = { t: parseTimestreamTime(r.get('minute') ?? ''), samples: num(r.get('samples')) ?? 0, n: num(r.get('n')) ?? 0, steps: num(r.get('steps')) ?? 0 };
  const fields = [
    ['hrMedianBpm', 'hr'],
    ['rmssdMedianMs', 'rmssd'],
    ['accelMeanG', 'accel'],
    ['skinTempMeanC', 'skin'],
  ] as const;
  for (const [k, col] of fields) {
    const v = num(r.get(col));
    if (v !== undefined) row[k] = v;
  }
  return row;
}

/**
 * The day's telemetry as one row per minute, aggregated in SQL (`bin(time, 1m)`): at most
 * 1,440 rows instead of 86,400 samples. A measure no sample has carried yet has no column
 * (Timestream tables are schemaless on write), so it is left out of the query and retried.
 */
export function timestreamTelemetry(client: TimestreamQueryClient, tables: TimestreamTables): TelemetryPort {
  return {
    async minutes(thing, fromMs, toMs) {
      const measures = new Set<string>(MINUTE_COLUMNS.map(([m]) => m));
      for (;;) {
        try {
          return (await queryAll(client, minuteSql(tables, thing, fromMs, toMs, measures))).map(minuteRow);
        } catch (e) {
          if (missingTable(e)) return [];
          const col = missingColumn(e);
          const measure = col === undefined ? undefined : [...measures].find((m) => m.toLowerCase() === col.toLowerCase());
          if (measure === undefined) throw storeError('reading the day’s telemetry', e);
          measures.delete(measure);
        }
      }
    },
  };
}

/** A stored day as history: its start and whichever metrics it carries. */
function historyDay(r: Map<string, string | undefined>): HistoryDay {
  const d: HistoryDay = { t: parseTimestreamTime(r.get('time') ?? '') };
  for (const m of ANOMALY_METRICS) {
    const v = num(r.get(m));
    if (v !== undefined) d[m] = v;
  }
  return d;
}

/**
 * The day's record: its metrics, z-scores and explanation as one multi-measure record
 * (omitted measures are NULL). The explanation and its source are VARCHAR measures,
 * always written, so every run of a day writes the same shape.
 */
export function dailyMeasureValues({ metrics, zScores: scores, explanation }: StoredDay): MeasureValue[] {
  const doubles = new Set(['restingHrBpm', 'lnRmssdRest', 'skinTempC']);
  const values: MeasureValue[] = [];
  for (const m of [...ANOMALY_METRICS, 'samples'] as const) {
    const v = metrics[m];
    if (v !== undefined) values.push({ Name: m, Value: String(v), Type: doubles.has(m) ? 'DOUBLE' : 'BIGINT' });
  }
  for (const s of scores) values.push({ Name: zMeasureName(s.metric, s.windowDays), Value: String(s.z), Type: 'DOUBLE' });
  values.push({ Name: EXPLANATION_MEASURES.text, Value: explanation.text, Type: 'VARCHAR' });
  values.push({ Name: EXPLANATION_MEASURES.source, Value: explanation.source, Type: 'VARCHAR' });
  return values;
}

/**
 * Table `daily`: history through Query (SELECT *: a measure no day has carried yet has
 * no column), the day through WriteRecords. The record's time is the day's start and its
 * Version the computation time, so a rerun upserts the same row (Timestream replaces a
 * record with the same dimensions, time and measure name when the version is higher,
 * https://docs.aws.amazon.com/timestream/latest/developerguide/API_WriteRecords.html).
 * A missing table is created with the retention infra gives it.
 */
export function timestreamDaily(query: TimestreamQueryClient, write: TimestreamWriteClient, tables: TimestreamTables): DailyStorePort {
  const send = (thing: string, dayStart: number, values: MeasureValue[], version: number) =>
    write.send(
      new WriteRecordsCommand({
        DatabaseName: tables.database,
        TableName: tables.dailyTable,
        Records: [
          { Dimensions: [{ Name: 'thing', Value: thing }], MeasureName: DAILY_RECORD, MeasureValueType: 'MULTI', MeasureValues: values, Time: String(dayStart), TimeUnit: 'MILLISECONDS', Version: version },
        ],
      }),
    );
  return {
    async history(thing, fromMs, toMs) {
      const sql = `SELECT * FROM "${tables.database}"."${tables.dailyTable}" WHERE thing = '${thing}' AND measure_name = '${DAILY_RECORD}' AND time >= from_iso8601_timestamp('${iso(fromMs)}') AND time < from_iso8601_timestamp('${iso(toMs)}') ORDER BY time`;
      try {
        return (await queryAll(query, sql)).map(historyDay);
      } catch (e) {
        // no table yet, or a table no day has been written to (no `thing` column)
        if (missingTable(e) || missingColumn(e) !== undefined) return [];
        throw storeError('reading the daily history', e);
      }
    },
    async write(thing, dayStart, day, version) {
      const values = dailyMeasureValues(day);
      try {
        await send(thing, dayStart, values, version).catch(async (e: unknown) => {
          if (!(e instanceof ResourceNotFoundException)) throw e;
          await createDailyTable(write, tables);
          await send(thing, dayStart, values, version);
        });
      } catch (e) {
        if (e instanceof RejectedRecordsException) {
          const why = e.RejectedRecords?.map((r) => r.Reason).join('; ') ?? e.message;
          throw new PulsepetError('PP_ERR_VALIDATION', `the daily record of ${thing} was rejected: ${why}`, { cause: e });
        }
        throw storeError(`writing the daily record of ${thing}`, e);
      }
    },
  };
}

async function createDailyTable(write: TimestreamWriteClient, tables: TimestreamTables): Promise<void> {
  try {
    await write.send(
      new CreateTableCommand({
        DatabaseName: tables.database,
        TableName: tables.dailyTable,
        RetentionProperties: { ...DAILY_TABLE_RETENTION },
        MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
      }),
    );
  } catch (e) {
    if (!(e instanceof ConflictException)) throw e; // created meanwhile by another run
  }
}
