/**
 * The client side of bench/fleet-floor.ts (a child process): the real SDK clients the
 * ingest and reasoning functions use, `concurrency` calls in flight. Not run alone.
 */
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { Agent, request } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { hotPathClientConfig } from '../common/sdk-config';
import { createTimestreamWriteClient } from '../common/timestream-write-client';
import { encodeReasoningState, parseReasoningState, RECENT_BATCHES, type ReasoningState, type ReasoningStateDocument, WINDOW_MINUTES } from '../protocol/reasoning-state';
import { TIMESTREAM } from '../protocol/resources';
import { toRecords } from '../functions/index';
import type { Sample, TelemetryV1 } from '../protocol/telemetry/schemas';
import { summarize } from '../protocol/telemetry/summary';
import type { FloorOp } from './fleet-floor';

interface Setup {
  endpoint: string;
  bareUrl: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  things: number;
  concurrency: number;
  /** the clients as the functions build them (common/sdk-config.ts), or without `cacheMiddleware` (the comparison) */
  cacheMiddleware: boolean;
}

let setup: Setup | undefined;
let iot: IoTDataPlaneClient | undefined;
let ts: ReturnType<typeof createTimestreamWriteClient> | undefined;
const seqs = new Map<string, number>();
const t0 = Date.now() - 3_600_000;

/**
 * A full `reasoning` state as the function keeps it (a 30-minute window, the remembered
 * batch ids, the energy budget, the baseline), in the layout the function writes
 * (`encodeReasoningState`): about 2.5 KB, 18 leaves for the shadow service to merge and
 * timestamp. Checked once at setup to read back as written, not on every call (the
 * function does not parse what it writes).
 */
function reasoningDocument(k: number): ReasoningStateDocument {
  return encodeReasoningState(reasoningState(k));
}

function reasoningState(k: number): ReasoningState {
  const firstMinute = Math.floor(t0 / 60_000) * 60_000 + k * 60_000;
  const minutes = Array.from({ length: WINDOW_MINUTES }, (_, i) => ({
    t: firstMinute + i * 60_000,
    n: 60,
    dropped: i % 3,
    // means rounded as minuteAggregates rounds them
    hrMeanBpm: 60 + ((k + i) % 40) + 0.3,
    hrvRmssdMs: 40.5 + (i % 7),
    steps: i * 3,
    cadenceSpm: 0,
    accelG: 1.021,
    skinTempC: 33.14,
  }));
  return {
    decision: k,
    minutes,
    recentBatches: Array.from({ length: RECENT_BATCHES }, (_, i) => `floor-${String(k % 100_000).padStart(5, '0')}-b${k + i}`),
    lastStateHash: 'f'.repeat(64),
    energy: { day: '2026-12-06', spoons: 7.5, level: 7, updatedAt: t0 },
    baseline: { value: { days: 30, restingHrBpm: 58.2, restingHrSdBpm: 2.1, lnRmssdMean60d: 3.9, lnRmssdSd60d: 0.2 }, fetchedAt: t0 },
    counters: { batches: k, petWrites: Math.floor(k / 20), storeQueries: 1 },
  };
}

/** the `reasoning` shadow's version per thing, as the function's state cache knows it */
const versions = new Map<string, number>();

async function one(op: FloorOp, k: number): Promise<void> {
  const s = setup as Setup;
  const thing = `floor-${String(k % s.things).padStart(5, '0')}`;
  if (op === 'bareHttp') {
    await barePost(s.bareUrl, JSON.stringify({ state: { reported: reasoningDocument(k) } }));
    return;
  }
  if (op === 'updateShadow') {
    // versioned, and the answer read for the new version, as the reasoning function does
    const version = versions.get(thing);
    const doc = { state: { reported: reasoningDocument(k) }, ...(version === undefined ? {} : { version }) };
    const out = await iot?.send(new UpdateThingShadowCommand({ thingName: thing, shadowName: 'reasoning', payload: Buffer.from(JSON.stringify(doc)) }));
    const answer = JSON.parse(Buffer.from(out?.payload ?? new Uint8Array()).toString('utf8')) as { version?: number };
    versions.set(thing, answer.version ?? 0);
    return;
  }
  const seq = seqs.get(thing) ?? 0;
  seqs.set(thing, seq + 1);
  const base = t0 + seq * 30_000;
  const samples: Sample[] = Array.from({ length: 30 }, (_, i) => ({ t: base + i * 1000, hr: 60 + (i % 30), hrvRmssd: 40 + (i % 9), steps: i % 4, spo2: 97, skinTempC: 33.2, accelG: 1.01 }));
  const batch: TelemetryV1 = { v: 1, batchId: `${thing}-${seq}`, seq, samples, summary: summarize(samples) };
  const { common, records } = toRecords({ thing, batch });
  await ts?.send(new WriteRecordsCommand({ DatabaseName: TIMESTREAM.database, TableName: TIMESTREAM.telemetryTable, CommonAttributes: common, Records: records }));
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function barePost(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.once('end', resolve);
    });
    req.once('error', reject);
    req.end(body);
  });
}

async function run(op: FloorOp, calls: number) {
  const s = setup as Setup;
  const latenciesMs: number[] = [];
  let next = 0;
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await Promise.all(
    Array.from({ length: s.concurrency }, async () => {
      while (next < calls) {
        const k = next++;
        const a = performance.now();
        await one(op, k);
        latenciesMs.push(performance.now() - a);
      }
    }),
  );
  const c = process.cpuUsage(c0);
  return { calls, wallMs: performance.now() - w0, clientCpuMicros: c.user + c.system, latenciesMs };
}

process.on('message', (m: { kind: string; op?: FloorOp; calls?: number } & Partial<Setup>) => {
  if (m.kind === 'setup') {
    setup = m as Setup;
    if (!isDeepStrictEqual(parseReasoningState(reasoningDocument(0)), reasoningState(0))) throw new Error('the bench state does not read back as written');
    const config = { endpoint: setup.endpoint, credentials: setup.credentials, cacheMiddleware: setup.cacheMiddleware };
    iot = new IoTDataPlaneClient({ ...hotPathClientConfig('iot-data', setup.region), ...config });
    ts = createTimestreamWriteClient({ region: setup.region, ...config });
    return;
  }
  run(m.op as FloorOp, m.calls ?? 0).then(
    (result) => process.send?.({ kind: 'done', result }),
    (e: unknown) => process.send?.({ kind: 'failed', error: String(e) }),
  );
});
