import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { GetThingShadowCommand, IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { type _Record, TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPulsepetStack } from '../../cli/pulsepet-stack';
import type { LocalStack } from '../../local/index';
import { type DailyShadowState, DailyShadowStateSchema } from '../../protocol/daily';
import { runCli } from '../../test/support/cli';
import { awsClientConfig } from '../../test/support/local/stack';
import { timestreamDaily } from './timestream-adapters';
import { previousUtcDay } from './summarize-day';

/**
 * The daily summary end to end on the local stack: a day of telemetry for yesterday is
 * written straight into table telemetry (client-timestream-write), ten earlier days into
 * table daily; the `daily_summary` schedule fires the function in its own execution
 * environment (twice: the same row both times), with the day's explanation worded by
 * the local Bedrock service in the persona of the thing's `config` shadow; `pulsepet
 * summarize` (spawned) computes the same day and prints it.
 */

const DAY = 86_400_000;
const MIN = 60_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const yesterday = today - DAY;
const YESTERDAY = new Date(yesterday).toISOString().slice(0, 10);
const THING = 'pet-daily-1';
const QUIET = 'pet-daily-quiet';

let dir: string;
let stack: LocalStack;
let query: TimestreamQueryClient;
let write: TimestreamWriteClient;
let data: IoTDataPlaneClient;

type Kind = 'sleep' | 'rest' | 'stress' | 'run';
/** One sample every 10 s (6 a minute): asleep 00–06, a 30-minute stress at 12:00, a run 17–18, rest otherwise. */
function kindAt(minute: number): Kind {
  if (minute < 360) return 'sleep';
  if (minute >= 720 && minute < 750) return 'stress';
  if (minute >= 1020 && minute < 1080) return 'run';
  return 'rest';
}
const SAMPLE: Record<Kind, Record<string, number>> = {
  sleep: { hr: 52, hrvRmssd: 60, steps: 0, accelG: 1.0, skinTempC: 34.5 },
  rest: { hr: 66, hrvRmssd: 42, steps: 0, accelG: 1.05, skinTempC: 33 },
  stress: { hr: 88, hrvRmssd: 15, steps: 0, accelG: 1.01, skinTempC: 33 },
  run: { hr: 150, hrvRmssd: 12, steps: 27, accelG: 1.6, skinTempC: 32 },
};

async function writeTelemetryDay(thing: string, dayStart: number): Promise<void> {
  const records: _Record[] = [];
  for (let t = dayStart; t < dayStart + DAY; t += 10_000) {
    const s = SAMPLE[kindAt(Math.floor((t - dayStart) / MIN))];
    records.push({
      Time: String(t),
      MeasureValues: Object.entries(s).map(([Name, v]) => ({ Name, Value: String(v), Type: Name === 'steps' ? 'BIGINT' : 'DOUBLE' })),
    });
  }
  const common: _Record = { Dimensions: [{ Name: 'thing', Value: thing }], MeasureName: 'vitals', MeasureValueType: 'MULTI', TimeUnit: 'MILLISECONDS' };
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < records.length; i += 100) {
    calls.push(write.send(new WriteRecordsCommand({ DatabaseName: 'pulsepet', TableName: 'telemetry', CommonAttributes: common, Records: records.slice(i, i + 100) })));
    if (calls.length >= 8) await Promise.all(calls.splice(0));
  }
  await Promise.all(calls);
}

async function dailyRows(thing: string): Promise<Array<Record<string, string | undefined>>> {
  const out = await query.send(new QueryCommand({ QueryString: `SELECT * FROM "pulsepet"."daily" WHERE thing = '${thing}' AND time = from_milliseconds(${yesterday})` }));
  const names = (out.ColumnInfo ?? []).map((c) => c.Name ?? '');
  return (out.Rows ?? []).map((r) => Object.fromEntries(names.map((n, i) => [n, r.Data?.[i]?.NullValue ? undefined : r.Data?.[i]?.ScalarValue])));
}

async function dailyShadow(thing: string): Promise<DailyShadowState> {
  const out = await data.send(new GetThingShadowCommand({ thingName: thing, shadowName: 'daily' }));
  const doc = JSON.parse(Buffer.from(out.payload ?? new Uint8Array()).toString('utf8')) as { state: { reported: unknown } };
  return DailyShadowStateSchema.parse(doc.state.reported);
}

async function fireSchedule(): Promise<void> {
  await stack.scheduler.fire('daily_summary', today + 15 * MIN);
  await stack.lambda.idle();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-daily-e2e-'));
  stack = await startPulsepetStack({ dataDir: join(dir, 'data'), lambdaRetryDelaysMs: [50, 100] });
  const cfg = awsClientConfig(stack);
  query = new TimestreamQueryClient(cfg);
  write = new TimestreamWriteClient(cfg);
  data = new IoTDataPlaneClient(cfg);
  const iot = new IoTClient(cfg);
  await iot.send(new CreateThingCommand({ thingName: THING }));
  await iot.send(new CreateThingCommand({ thingName: QUIET }));
  iot.destroy();
  await writeTelemetryDay(THING, yesterday);
  // ten earlier days with a resting HR of 58–62 bpm: yesterday's 52 bpm is an anomaly
  const store = timestreamDaily(query, write, { database: 'pulsepet', telemetryTable: 'telemetry', dailyTable: 'daily' });
  for (let i = 1; i <= 10; i++) {
    const day = new Date(yesterday - i * DAY).toISOString().slice(0, 10);
    const metrics = { day, restingHrBpm: i % 2 === 0 ? 58 : 62, steps: 8000, activeMin: 40, stressMin: 20, sleepMin: 420, samples: 8640 };
    await store.write(THING, yesterday - i * DAY, { metrics, zScores: [], explanation: { text: 'An earlier day.', source: 'deterministic' } }, 1);
  }
}, 120_000);

afterAll(async () => {
  for (const c of [query, write, data]) c?.destroy();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pulsepet-daily-summary on the local stack', () => {
  it('runs on its schedule and writes yesterday’s metrics and anomalies to table daily and the daily shadow', async () => {
    // the next 00:15 UTC: today's until it has passed (a run between 00:00 and 00:15 expects today's)
    const now = Date.now();
    const todays = Math.floor(now / DAY) * DAY + 15 * MIN;
    expect(stack.scheduler.nextRuns()).toEqual([{ name: 'daily_summary', at: now < todays ? todays : todays + DAY }]);
    await fireSchedule();
    const rows = await dailyRows(THING);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ restingHrBpm: '52.0', stressMin: '30', activeMin: '60', sleepMin: '360', steps: String(27 * 6 * 60), samples: '8640' });
    expect(Number(rows[0]?.restingHrBpm_z30)).toBeLessThanOrEqual(-2);
    const shadow = await dailyShadow(THING);
    expect(shadow).toMatchObject({ day: YESTERDAY, restingHrBpm: 52, stressMin: 30, activeMin: 60, sleepMin: 360 });
    expect(shadow.anomalies).toContainEqual(expect.objectContaining({ metric: 'restingHrBpm', windowDays: 30, direction: 'low' }));
    // the explanation, worded through Converse (the anomaly first), with the day in table daily and in the shadow
    expect(rows[0]?.explanationSource).toBe('llm');
    expect(rows[0]?.explanation).toMatch(/resting heart rate lower than usual/i);
    expect(rows[0]?.explanation?.length).toBeLessThanOrEqual(600);
    expect(shadow).toMatchObject({ explanation: rows[0]?.explanation, explanationSource: 'llm' });
    // a thing without telemetry that day gets no record
    expect(await dailyRows(QUIET)).toEqual([]);
  }, 120_000);

  it('writes the same single row when the same day runs again', async () => {
    const before = await dailyRows(THING);
    await fireSchedule();
    expect(await dailyRows(THING)).toEqual(before);
  }, 120_000);

  it('words the explanation in the persona the config shadow asks for', async () => {
    const encouraging = (await dailyShadow(THING)).explanation;
    const desired = JSON.stringify({ state: { desired: { persona: 'strict' } } });
    await data.send(new UpdateThingShadowCommand({ thingName: THING, shadowName: 'config', payload: Buffer.from(desired) }));
    await fireSchedule();
    const rows = await dailyRows(THING);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ explanationSource: 'llm', restingHrBpm: '52.0' });
    expect(rows[0]?.explanation).not.toBe(encouraging);
    expect((await dailyShadow(THING)).explanation).toBe(rows[0]?.explanation);
  }, 120_000);
});

describe('pulsepet summarize', () => {
  const env = () => ({
    ...process.env,
    AWS_ENDPOINT_URL: stack.httpEndpoint,
    AWS_REGION: stack.region,
    AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
  });

  it('prints the day as one JSON object and leaves one row for it', async () => {
    const r = await runCli(['summarize', THING, '--date', YESTERDAY, '--json'], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as {
      outcome: string;
      metrics: Record<string, unknown>;
      anomalies: Array<{ metric: string; direction: string }>;
      explanation: { text: string; source: string };
    };
    expect(s.outcome).toBe('written');
    expect(s.metrics).toMatchObject({ day: YESTERDAY, restingHrBpm: 52, stressMin: 30, activeMin: 60 });
    expect(s.anomalies).toContainEqual(expect.objectContaining({ metric: 'restingHrBpm', direction: 'low' }));
    expect(s.explanation).toEqual({ text: expect.stringMatching(/resting heart rate lower than usual/i), source: 'llm' });
    const rows = await dailyRows(THING);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.explanation).toBe(s.explanation.text);
  }, 60_000);

  it('prints the metrics and anomalies as text, for yesterday by default', async (ctx) => {
    // the data is yesterday's as of this file's start: after 00:00 UTC the default is another day
    if (previousUtcDay(Date.now()) !== YESTERDAY) ctx.skip();
    const r = await runCli(['summarize', THING], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${THING} · ${YESTERDAY} (UTC)`);
    expect(r.stdout).toMatch(/resting HR\s+52\.0 bpm/);
    expect(r.stdout).toMatch(/resting HR\s+low\s+z=-/);
    expect(r.stdout).toMatch(/explanation \(llm\):\n {2}\S.*resting heart rate/i);
  }, 60_000);

  it.each([
    [['summarize'], 'a THING is required'],
    [['summarize', THING, '--date', '2024-02-30'], '--date'],
    [['summarize', THING, '--dates', '2024-02-01'], "Unknown option '--dates'"],
  ])('exits 2 with the reason on bad flags: %j', async (args, why) => {
    const r = await runCli(args, env());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(why);
  }, 60_000);
});
