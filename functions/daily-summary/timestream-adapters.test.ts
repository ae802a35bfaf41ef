import { QueryCommand } from '@aws-sdk/client-timestream-query';
import { WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTimestream, type TestTimestream } from '../../test/support/local/timestream';
import { timestreamBaselines } from '../reasoning/baseline-adapter';
import { timestreamDaily, timestreamTelemetry } from './timestream-adapters';

/** The adapters against the real local Timestream (gateway + store), through the real clients. */

let ts: TestTimestream;
const tables = { database: 'pulsepet', telemetryTable: 'telemetry', dailyTable: 'daily' };
const MIN = 60_000;
const start = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 86_400_000;

beforeAll(async () => {
  ts = await startTestTimestream();
}, 30_000);
afterAll(async () => ts?.close());

describe('Function: timestreamTelemetry', () => {
  it('aggregates per minute in the store, leaving out measures no sample has carried (no column yet)', async () => {
    // only hr and steps: the table has no hrvRmssd, accelG or skinTempC column
    const records = Array.from({ length: 120 }, (_, i) => ({
      Time: String(start + i * 1000),
      MeasureValues: [
        { Name: 'hr', Value: String(i === 5 ? 200 : 60 + (i % 3)), Type: 'DOUBLE' as const },
        { Name: 'steps', Value: '1', Type: 'BIGINT' as const },
      ],
    }));
    await ts.write.send(
      new WriteRecordsCommand({
        DatabaseName: 'pulsepet',
        TableName: 'telemetry',
        CommonAttributes: { Dimensions: [{ Name: 'thing', Value: 'pet-a' }], MeasureName: 'vitals', MeasureValueType: 'MULTI', TimeUnit: 'MILLISECONDS' },
        Records: records.slice(0, 100),
      }),
    );
    await ts.write.send(
      new WriteRecordsCommand({
        DatabaseName: 'pulsepet',
        TableName: 'telemetry',
        CommonAttributes: { Dimensions: [{ Name: 'thing', Value: 'pet-a' }], MeasureName: 'vitals', MeasureValueType: 'MULTI', TimeUnit: 'MILLISECONDS' },
        Records: records.slice(100),
      }),
    );
    const rows = await timestreamTelemetry(ts.query, tables).minutes('pet-a', start, start + 86_400_000);
    expect(rows).toEqual([
      { t: start, samples: 60, n: 60, hrMedianBpm: 61, steps: 60 },
      { t: start + MIN, samples: 60, n: 60, hrMedianBpm: 61, steps: 60 },
    ]);
    expect(await timestreamTelemetry(ts.query, tables).minutes('pet-none', start, start + 86_400_000)).toEqual([]);
  });
});

describe('Function: timestreamDaily', () => {
  it('reads no history before the table exists, creates it on the first write, and upserts the same day', async () => {
    const daily = timestreamDaily(ts.query, ts.write, tables);
    expect(await daily.history('pet-a', start - 60 * 86_400_000, start + 86_400_000)).toEqual([]);
    const day = new Date(start).toISOString().slice(0, 10);
    const metrics = { day, restingHrBpm: 55.5, steps: 100, activeMin: 1, stressMin: 2, samples: 120 };
    const explanation = { text: 'Your resting heart rate was lower (56 bpm vs about 60 bpm).', source: 'llm' as const };
    await daily.write('pet-a', start, { metrics, zScores: [{ metric: 'restingHrBpm', windowDays: 30, value: 55.5, mean: 60, sd: 2, z: -2.25 }], explanation }, 1);
    await daily.write('pet-a', start, { metrics: { ...metrics, stressMin: 3 }, zScores: [], explanation: { text: 'Every metric within your normal range. Keep your routine.', source: 'deterministic' } }, 2);
    expect(await daily.history('pet-a', start - 86_400_000, start + 86_400_000)).toEqual([{ t: start, restingHrBpm: 55.5, steps: 100, activeMin: 1, stressMin: 3 }]);
  });

  it('stores the explanation and its source as VARCHAR measures, which the baseline reader passes over', async () => {
    const daily = timestreamDaily(ts.query, ts.write, tables);
    const text = 'Outside your normal range today: sleep shorter (5 h 0 min vs 7 h 0 min). Get to bed earlier tonight — «ça va».';
    for (let i = 1; i <= 3; i++) {
      const t = start - i * 86_400_000;
      const metrics = { day: new Date(t).toISOString().slice(0, 10), restingHrBpm: 60 + i, steps: 100, activeMin: 1, stressMin: 2, sleepMin: 300, samples: 120 };
      await daily.write('pet-b', t, { metrics, zScores: [], explanation: { text, source: 'deterministic' } }, 1);
    }
    const out = await ts.query.send(new QueryCommand({ QueryString: `SELECT explanation, explanationSource FROM "pulsepet"."daily" WHERE thing = 'pet-b' ORDER BY time` }));
    expect(out.ColumnInfo?.map((c) => c.Type?.ScalarType)).toEqual(['VARCHAR', 'VARCHAR']);
    expect(out.Rows?.map((r) => r.Data?.map((d) => d.ScalarValue))).toEqual(Array.from({ length: 3 }, () => [text, 'deterministic']));
    const baseline = await timestreamBaselines(ts.query, 'pulsepet', 'daily').baseline('pet-b', start);
    expect(baseline).toMatchObject({ days: 3, restingHrBpm: 62 });
  });
});
