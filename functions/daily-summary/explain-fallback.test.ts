import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { GetThingShadowCommand, IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { type _Record, TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPulsepetStack } from '../../cli/pulsepet-stack';
import { createBedrockRuntimeClient } from '../../common/bedrock-client';
import { silentLogger } from '../../common/logger';
import type { LocalStack } from '../../local/index';
import { DailyShadowStateSchema } from '../../protocol/daily';
import { COACH_DEFAULT_MODEL_ID } from '../../protocol/resources';
import { awsClientConfig } from '../../test/support/local/stack';
import { iotDailyShadow, iotPersona } from './aws-adapters';
import { templateExplanation } from './explain-words';
import { BedrockExplainer, DayExplainer } from './explainer';
import { type SummarizeDeps, summarizeDay } from './summarize-day';
import { timestreamDaily, timestreamTelemetry } from './timestream-adapters';

/**
 * The explanation's fallback on a local stack whose Bedrock throttles every request
 * (`bedrockFaults: throttle=1`): the day is summarized in-process over the real clients
 * (Bedrock built as the function builds it, one attempt per send), Converse is tried
 * three times with backoff, and the day is stored with the template's words, source
 * `deterministic`, in table daily and the daily shadow; the EMF line says why.
 */

const DAY = 86_400_000;
const day = Math.floor(Date.now() / DAY) * DAY - DAY;
const DATE = new Date(day).toISOString().slice(0, 10);
const THING = 'pet-explain-1';
const TABLES = { database: 'pulsepet', telemetryTable: 'telemetry', dailyTable: 'daily' };

let dir: string;
let stack: LocalStack;
let clients: { query: TimestreamQueryClient; write: TimestreamWriteClient; data: IoTDataPlaneClient };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-explain-e2e-'));
  stack = await startPulsepetStack({ dataDir: join(dir, 'data'), bedrockFaults: { throttle: 1, malformed: 0, latencyMs: 0, seed: 1 } });
  // the 00:15 UTC daily_summary schedule would add its own throttled Bedrock calls to the counts checked here
  stack.scheduler.close();
  const cfg = awsClientConfig(stack);
  clients = { query: new TimestreamQueryClient(cfg), write: new TimestreamWriteClient(cfg), data: new IoTDataPlaneClient(cfg) };
  const iot = new IoTClient(cfg);
  await iot.send(new CreateThingCommand({ thingName: THING }));
  iot.destroy();
  // an hour at rest, a sample every 10 s, with a resting HR of 70 against ten earlier days of 58–62
  const records: _Record[] = Array.from({ length: 360 }, (_, i) => ({
    Time: String(day + 2 * 3_600_000 + i * 10_000),
    MeasureValues: [
      { Name: 'hr', Value: '70', Type: 'DOUBLE' },
      { Name: 'hrvRmssd', Value: '40', Type: 'DOUBLE' },
      { Name: 'steps', Value: '0', Type: 'BIGINT' },
      { Name: 'accelG', Value: '1.0', Type: 'DOUBLE' },
    ],
  }));
  const common: _Record = { Dimensions: [{ Name: 'thing', Value: THING }], MeasureName: 'vitals', MeasureValueType: 'MULTI', TimeUnit: 'MILLISECONDS' };
  for (let i = 0; i < records.length; i += 100) {
    await clients.write.send(new WriteRecordsCommand({ DatabaseName: 'pulsepet', TableName: 'telemetry', CommonAttributes: common, Records: records.slice(i, i + 100) }));
  }
  const store = timestreamDaily(clients.query, clients.write, TABLES);
  for (let i = 1; i <= 10; i++) {
    const metrics = { day: new Date(day - i * DAY).toISOString().slice(0, 10), restingHrBpm: i % 2 === 0 ? 58 : 62, steps: 8000, activeMin: 40, stressMin: 20, samples: 8640 };
    await store.write(THING, day - i * DAY, { metrics, zScores: [], explanation: { text: 'An earlier day.', source: 'deterministic' } }, 1);
  }
  const config = JSON.stringify({ state: { desired: { persona: 'strict' } } });
  await clients.data.send(new UpdateThingShadowCommand({ thingName: THING, shadowName: 'config', payload: Buffer.from(config) }));
}, 120_000);

afterAll(async () => {
  for (const c of Object.values(clients ?? {})) c.destroy();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the daily explanation when Bedrock throttles every call', () => {
  it('stores the strict template, source deterministic, after three throttled attempts', async () => {
    const bedrock = createBedrockRuntimeClient({ ...awsClientConfig(stack), maxAttempts: 1 });
    const lines: Array<Record<string, unknown>> = [];
    const llm = new BedrockExplainer(bedrock, { modelId: COACH_DEFAULT_MODEL_ID, retry: { baseDelayMs: 20 } });
    const deps: SummarizeDeps = {
      telemetry: timestreamTelemetry(clients.query, TABLES),
      daily: timestreamDaily(clients.query, clients.write, TABLES),
      shadow: iotDailyShadow(clients.data),
      persona: iotPersona(clients.data),
      explainer: new DayExplainer({ llm, deadlineMs: 10_000, logger: silentLogger(), metrics: (l) => lines.push(JSON.parse(l)) }),
      logger: silentLogger(),
      now: Date.now,
    };
    const s = await summarizeDay(THING, DATE, deps);
    bedrock.destroy();

    expect(s.anomalies).toContainEqual(expect.objectContaining({ metric: 'restingHrBpm', direction: 'high' }));
    const template = templateExplanation({ persona: 'strict', anomalies: s.anomalies, judged: true });
    expect(template).toMatch(/^Outside your normal range today: resting heart rate higher \(70 bpm vs 60 bpm\)/);
    expect(s.explanation).toEqual({ text: template, source: 'deterministic' });
    expect(lines).toEqual([expect.objectContaining({ FunctionName: 'pulsepet-daily-summary', Outcome: 'fallback', reason: 'throttled', attempts: 3 })]);

    const out = await clients.query.send(
      new QueryCommand({ QueryString: `SELECT explanation, explanationSource FROM "pulsepet"."daily" WHERE thing = '${THING}' AND time = from_milliseconds(${day})` }),
    );
    expect(out.Rows?.map((r) => r.Data?.map((d) => d.ScalarValue))).toEqual([[template, 'deterministic']]);
    const shadow = await clients.data.send(new GetThingShadowCommand({ thingName: THING, shadowName: 'daily' }));
    const reported = DailyShadowStateSchema.parse(JSON.parse(Buffer.from(shadow.payload ?? new Uint8Array()).toString('utf8')).state.reported);
    expect(reported).toMatchObject({ day: DATE, explanation: template, explanationSource: 'deterministic' });

    const metrics = await (await fetch(`${stack.httpEndpoint}/metrics`)).text();
    expect(metrics).toMatch(/pulsepet_bedrock_converse_requests_total\{model="[^"]+",outcome="throttled"\} 3/);
  }, 60_000);
});
