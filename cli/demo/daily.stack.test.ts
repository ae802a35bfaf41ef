import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { type _Record, TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/index';
import { awsClientConfig } from '../../test/support/local/stack';
import { startPulsepetStack } from '../pulsepet-stack';
import { openDemoClock } from './clock';
import { summarizeFinishedDays } from './daily';

/**
 * The demo's daily summaries on the local stack: a fleet pet's scenario day (29 days back)
 * of telemetry, then the day started through the real client-lambda once the demo clock
 * says the fleet finished it; the function writes the pet's `daily` shadow for that day.
 */

const DAY = 86_400_000;
const THING = 'demo-daily-1';
let dir: string;
let stack: LocalStack;
let lambda: LambdaClient;
let data: IoTDataPlaneClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-demo-daily-'));
  stack = await startPulsepetStack({ dataDir: join(dir, 'data'), lambdaRetryDelaysMs: [50, 100] });
  const cfg = awsClientConfig(stack);
  lambda = new LambdaClient(cfg);
  data = new IoTDataPlaneClient(cfg);
  const iot = new IoTClient(cfg);
  await iot.send(new CreateThingCommand({ thingName: THING }));
  iot.destroy();
}, 120_000);

afterAll(async () => {
  for (const c of [lambda, data]) c?.destroy();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Six hours of a resting wearer, a sample every 10 s, from `from`. */
async function writeHours(from: number): Promise<void> {
  const write = new TimestreamWriteClient(awsClientConfig(stack));
  const records: _Record[] = [];
  for (let t = from; t < from + 6 * 3_600_000; t += 10_000) {
    const values = { hr: 64, hrvRmssd: 45, steps: 0, accelG: 1.02, skinTempC: 33.2 };
    records.push({ Time: String(t), MeasureValues: Object.entries(values).map(([Name, v]) => ({ Name, Value: String(v), Type: Name === 'steps' ? 'BIGINT' : 'DOUBLE' })) });
  }
  const common: _Record = { Dimensions: [{ Name: 'thing', Value: THING }], MeasureName: 'vitals', MeasureValueType: 'MULTI', TimeUnit: 'MILLISECONDS' };
  for (let i = 0; i < records.length; i += 100) {
    await write.send(new WriteRecordsCommand({ DatabaseName: 'pulsepet', TableName: 'telemetry', CommonAttributes: common, Records: records.slice(i, i + 100) }));
  }
  write.destroy();
}

describe('Function: summarizeFinishedDays', () => {
  it('starts the daily summary of a scenario day the fleet finished, once, and the pet gets that day in its daily shadow', async () => {
    const now = Date.now();
    const clock = openDemoClock(join(dir, 'demo'), 30, 10_000, now);
    const firstDay = new Date(clock.scenarioStart).toISOString().slice(0, 10);
    const dayStart = Date.parse(`${firstDay}T00:00:00Z`);
    // six hours within the scenario's first day
    await writeHours(Math.max(dayStart, Math.min(clock.scenarioStart - 3_600_000, dayStart + DAY - 6 * 3_600_000)));
    // the wall time at which the fleet's scenario time is 00:16 of the next day
    const finished = now + (dayStart + DAY + 16 * 60_000 - clock.scenarioStart) / 30;
    expect(await summarizeFinishedDays(clock, lambda, [THING], now)).toEqual([]);

    expect(await summarizeFinishedDays(clock, lambda, [THING], finished)).toEqual([firstDay]);
    await stack.lambda.idle();
    const out = await data.send(new GetThingShadowCommand({ thingName: THING, shadowName: 'daily' }));
    const doc = JSON.parse(Buffer.from(out.payload ?? new Uint8Array()).toString('utf8')) as { state: { reported: { day: string; samples: number } } };
    expect(doc.state.reported).toMatchObject({ day: firstDay, samples: 2_160 });
    expect(await summarizeFinishedDays(clock, lambda, [THING], finished)).toEqual([]);
  }, 60_000);

  it('keeps a day due when Lambda cannot be reached', async () => {
    const now = Date.now();
    const clock = openDemoClock(join(dir, 'demo-unreachable'), 30, 10_000, now);
    const later = now + (DAY + 60 * 60_000) / 30 + DAY / 30;
    const due = clock.dueDays(later);
    expect(due.length).toBeGreaterThan(0);
    const nowhere = new LambdaClient({ ...awsClientConfig(stack), endpoint: 'http://127.0.0.1:9' });
    await expect(summarizeFinishedDays(clock, nowhere, [THING], later)).rejects.toThrow();
    nowhere.destroy();
    expect(clock.dueDays(later)).toEqual(due);
  });
});
