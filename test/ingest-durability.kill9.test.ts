import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { summarize } from '../protocol/telemetry';
import { type RunningUp, type ReadyLine, startUp } from './support/cli';
import { connectMqtt, provisionTestDevice, type TestDevice } from './support/local/stack';

/**
 * Issue 19: telemetry the broker acknowledged must reach the store across crashes.
 * Devices publish QoS 1 batches to a real `pulsepet up`, which is killed with SIGKILL
 * mid-stream (twice: once under load, once while it replays); after the last restart
 * every acknowledged sample is queryable exactly once.
 */

const DEVICES = 6;
const SAMPLES_PER_BATCH = 120;
const IN_FLIGHT = 8;

const dir = mkdtempSync(join(tmpdir(), 'pp-kill9-'));
const dataDir = join(dir, 'data');
const running: RunningUp[] = [];
afterAll(async () => {
  for (const up of running) up.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function stackOf(r: ReadyLine) {
  return {
    httpEndpoint: r.httpEndpoint,
    mqttEndpoint: r.mqttEndpoint,
    region: r.region,
    caFile: r.caFile,
    credentials: { accessKeyId: r.accessKeyId, secretAccessKey: r.secretAccessKey },
  };
}

async function start(): Promise<RunningUp> {
  const up = await startUp(dataDir);
  running.push(up);
  return up;
}

async function kill(up: RunningUp): Promise<void> {
  await up.stop('SIGKILL');
  running.splice(running.indexOf(up), 1);
}

/** Publishes batches as fast as PUBACKs come back, until stopped; records the acknowledged sample times. */
function publisher(client: MqttClient, thing: string, acked: Set<number>, base: number) {
  let seq = 0;
  let stopped = false;
  const one = async (): Promise<void> => {
    while (!stopped) {
      const s = seq++;
      const samples = Array.from({ length: SAMPLES_PER_BATCH }, (_, i) => ({ t: base + s * SAMPLES_PER_BATCH + i, hr: 60 + (i % 40), steps: i % 5 }));
      const batch = { v: 1, batchId: `${thing}-${s}`, seq: s, samples, summary: summarize(samples) };
      try {
        await client.publishAsync(`dt/pulsepet/${thing}/telemetry`, JSON.stringify(batch), { qos: 1 });
      } catch {
        return; // the connection died with the server: unacknowledged, may or may not be stored
      }
      if (stopped) return;
      for (const x of samples) acked.add(x.t);
    }
  };
  const loops = Array.from({ length: IN_FLIGHT }, one);
  return {
    stop: async () => {
      stopped = true;
      client.end(true);
      await Promise.allSettled(loops);
    },
  };
}

async function storedTimes(r: ReadyLine, thing: string): Promise<number[]> {
  const query = new TimestreamQueryClient({ endpoint: r.httpEndpoint, region: r.region, credentials: { accessKeyId: r.accessKeyId, secretAccessKey: r.secretAccessKey } });
  const out: number[] = [];
  let NextToken: string | undefined;
  try {
    do {
      const q = await query.send(
        new QueryCommand({
          QueryString: `SELECT to_milliseconds(time) AS t FROM "pulsepet"."telemetry" WHERE thing = '${thing}' AND measure_name = 'vitals' AND time BETWEEN ago(1h) AND now() ORDER BY time`,
          ...(NextToken ? { NextToken } : {}),
        }),
      );
      for (const row of q.Rows ?? []) out.push(Number(row.Data?.[0]?.ScalarValue));
      NextToken = q.NextToken;
    } while (NextToken);
  } catch (e) {
    // Timestream's schema follows the writes: before the first record the column is unknown.
    if (e instanceof Error && /does not exist/.test(e.message)) return [];
    throw e;
  } finally {
    query.destroy();
  }
  return out;
}

describe('Acknowledged telemetry across kill -9 of pulsepet up', () => {
  it('stores every acknowledged sample exactly once after two kills (one under load, one during the replay)', async () => {
    let up = await start();
    const devices: TestDevice[] = [];
    for (let i = 0; i < DEVICES; i++) devices.push(await provisionTestDevice(stackOf(up.ready), `kill9-${i}`));
    const base = Date.now() - 30 * 60_000;
    const acked = devices.map(() => new Set<number>());
    const pubs = await Promise.all(
      devices.map(async (d, i) => publisher(await connectMqtt(stackOf(up.ready), d), d.thingName, acked[i] as Set<number>, base)),
    );
    // Load until a backlog of acknowledged batches exists, then the crash.
    const t0 = Date.now();
    while (acked.reduce((n, s) => n + s.size, 0) < 40 * SAMPLES_PER_BATCH && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
    await kill(up);
    await Promise.all(pubs.map((p) => p.stop()));
    const ackedTotal = acked.reduce((n, s) => n + s.size, 0);
    expect(ackedTotal).toBeGreaterThanOrEqual(40 * SAMPLES_PER_BATCH);

    // Second crash while the restarted stack replays the queue.
    up = await start();
    await new Promise((r) => setTimeout(r, 150));
    await kill(up);

    up = await start();
    const deadline = Date.now() + 60_000;
    let missing = Number.POSITIVE_INFINITY;
    let stored: number[][] = [];
    while (Date.now() < deadline) {
      stored = await Promise.all(devices.map((d) => storedTimes(up.ready, d.thingName)));
      const sets = stored.map((t) => new Set(t));
      missing = acked.reduce((n, s, i) => n + [...s].filter((t) => !sets[i]?.has(t)).length, 0);
      if (missing === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(missing).toBe(0);
    for (const times of stored) expect(new Set(times).size).toBe(times.length); // exactly once
    expect(await up.stop('SIGTERM')).toBe(0);
    running.splice(running.indexOf(up), 1);
  }, 150_000);
});
