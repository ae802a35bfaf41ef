/**
 * The client side of bench/fleet-floor.ts (a child process): the real SDK clients the
 * ingest and reasoning functions use, `concurrency` calls in flight. Not run alone.
 */
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { Agent, request } from 'node:http';
import { createTimestreamWriteClient } from '../common/timestream-write-client';
import { RECENT_BATCHES, WINDOW_MINUTES } from '../protocol/reasoning-state';
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
}

let setup: Setup | undefined;
let iot: IoTDataPlaneClient | undefined;
let ts: ReturnType<typeof createTimestreamWriteClient> | undefined;
const seqs = new Map<string, number>();
const t0 = Date.now() - 3_600_000;

/** A reasoning-state-sized reported document: a window of per-minute aggregates and the remembered batch ids (about 4 KB). */
function reasoningDoc(k: number): string {
  const window = Array.from({ length: WINDOW_MINUTES }, (_, i) => ({ m: Math.floor(t0 / 60_000) + i, hr: 60 + ((k + i) % 40), hrMin: 55, hrMax: 90, hrv: 40.5 + (i % 7), n: 60, steps: i * 3, spo2: 97.2, temp: 33.1 }));
  return JSON.stringify({ state: { reported: { v: 1, window, batchIds: Array.from({ length: RECENT_BATCHES }, (_, i) => `floor-${k % 1000}-${k + i}`), decision: k } } });
}

async function one(op: FloorOp, k: number): Promise<void> {
  const s = setup as Setup;
  const thing = `floor-${String(k % s.things).padStart(5, '0')}`;
  if (op === 'bareHttp') {
    await barePost(s.bareUrl, reasoningDoc(k));
    return;
  }
  if (op === 'updateShadow') {
    await iot?.send(new UpdateThingShadowCommand({ thingName: thing, shadowName: 'reasoning', payload: Buffer.from(reasoningDoc(k)) }));
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
    const config = { endpoint: setup.endpoint, region: setup.region, credentials: setup.credentials };
    iot = new IoTDataPlaneClient(config);
    ts = createTimestreamWriteClient(config);
    return;
  }
  run(m.op as FloorOp, m.calls ?? 0).then(
    (result) => process.send?.({ kind: 'done', result }),
    (e: unknown) => process.send?.({ kind: 'failed', error: String(e) }),
  );
});
