import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { startPulsepetStack } from '../cli/pulsepet-stack';
import type { LambdaHandler, LocalStack } from '../local/index';
import { FUNCTION_NAMES } from '../protocol/resources';
import { summarize } from '../protocol/telemetry';
import { provisionTestDevice } from './support/local/stack';

/**
 * A device that reconnects the instant a restarted stack listens publishes before anything
 * else happens. The broker holds it until the rules are wired, so that first acknowledged
 * batch is routed like any other and nothing acknowledged is lost to the restart.
 */

const dir = mkdtempSync(join(tmpdir(), 'pp-restart-intake-'));
const stacks: LocalStack[] = [];
afterAll(async () => {
  for (const s of stacks) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const ingested = new Set<string>();
const ingest: LambdaHandler = async (event) => {
  ingested.add(String((event as { batchId: string }).batchId));
};
const start = async (ports: { mqttPort?: number; httpPort?: number } = {}) => {
  const s = await startPulsepetStack({ dataDir: join(dir, 'data'), handlers: new Map([[FUNCTION_NAMES.ingest, ingest]]), ...ports });
  stacks.push(s);
  return s;
};

describe('Function: startPulsepetStack', () => {
  it('routes the first batch of a device that reconnects the moment the restarted stack listens', async () => {
    const first = await start();
    const device = await provisionTestDevice(first, 'restart-intake-1');
    const { mqttPort, httpPort, mqttEndpoint } = first;
    await first.close();
    stacks.splice(0);

    // the device retries every 5 ms and publishes as soon as it is connected
    const acked: string[] = [];
    let n = 0;
    const client = mqtt.connect(mqttEndpoint, {
      clientId: device.thingName,
      cert: device.certificatePem,
      key: device.privateKeyPem,
      ca: device.caPem,
      protocolVersion: 4,
      reconnectPeriod: 5,
      connectTimeout: 10_000,
    });
    client.on('error', () => {});
    client.on('connect', () => {
      const now = Date.now();
      const samples = Array.from({ length: 5 }, (_, i) => ({ t: now - 10_000 + i * 1_000, hr: 70, hrvRmssd: 45, steps: 3 }));
      const batch = { v: 1, batchId: `ri-${n}`, seq: n++, samples, summary: summarize(samples) };
      client.publish('dt/pulsepet/restart-intake-1/telemetry', JSON.stringify(batch), { qos: 1 }, (err) => {
        if (!err) acked.push(batch.batchId);
      });
    });
    try {
      const second = await start({ mqttPort, httpPort });
      const deadline = Date.now() + 15_000;
      while (acked.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(acked.length).toBeGreaterThan(0);
      await second.rules.idle();
      await expect.poll(() => acked.filter((b) => !ingested.has(b)), { timeout: 10_000 }).toEqual([]);
    } finally {
      await client.endAsync(true);
    }
  });
});
