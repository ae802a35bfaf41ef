import { GetThingShadowCommand, IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { createTimestreamWriteClient } from '../../common/timestream-write-client';
import { createIngestHandler } from '../ingest/handler';
import { recentWindow } from './baseline-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import type { AvatarRequest } from '../../protocol/avatar';
import type { Baseline } from '../../protocol/models';
import { decodeReasoningState } from '../../protocol/reasoning-state';
import { reasoningTestDeps } from '../../test/support/functions/reasoning-deps';
import { type ShadowHarness, startShadowHarness } from '../../test/support/local/shadow/harness';
import { summarize } from '../../protocol/telemetry';
import { populationBaseline } from './models/index';
import { type ReasoningDeps, reason } from './reason';
import { iotDataShadows } from './shadow-adapter';

/** The loop against the real local shadow service through the real client-iot-data-plane. */

let h: ShadowHarness;
let client: IoTDataPlaneClient;
const baselineCalls: string[] = [];
let deps: ReasoningDeps;
beforeAll(async () => {
  h = await startShadowHarness();
  // the SDK's retries wait out the per-thing shadow rate limit (20 requests/s) the concurrent batches can reach
  client = new IoTDataPlaneClient({ endpoint: h.gatewayUrl, region: h.stack.region, credentials: h.credentials, maxAttempts: 8 });
  deps = reasoningTestDeps(iotDataShadows(client), {
    baselines: {
      baseline: async (thing: string): Promise<Baseline> => {
        baselineCalls.push(thing);
        return populationBaseline();
      },
    },
  });
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await h?.close();
});

const NOW = Date.now();
function batch(thing: string, seq: number, minutesAgo: number, kind: 'stress' | 'rest') {
  const samples = Array.from({ length: 300 }, (_, i) => {
    const t = NOW - minutesAgo * 60_000 + i * 1000;
    return kind === 'stress' ? { t, hr: 94, hrvRmssd: 15, steps: 0, accelG: 0.02 } : { t, hr: 60, hrvRmssd: 50, steps: 0, accelG: 0.01 };
  });
  return { v: 1, batchId: `${thing}-${seq}`, seq, samples, summary: summarize(samples), thing };
}

async function shadow(thing: string, name: string): Promise<{ state: { desired?: Record<string, unknown>; reported?: Record<string, unknown> }; version: number }> {
  const out = await client.send(new GetThingShadowCommand({ thingName: thing, shadowName: name }));
  return JSON.parse(Buffer.from(out.payload ?? new Uint8Array()).toString());
}

describe('Function: reason', () => {
  it('loses no batch when the batches of one device are reasoned about concurrently (version conflicts are redone)', async () => {
    const results = await Promise.all([0, 1, 2, 3, 4].map((k) => reason(batch('conc-1', k, 25 - k * 5, 'stress'), deps)));
    const reported = (await shadow('conc-1', 'reasoning')).state.reported;
    expect(reported).toMatchObject({ v: 2, minutes: expect.any(String), recentBatches: expect.any(String) }); // the layout written
    const state = decodeReasoningState(reported);
    expect([...state.recentBatches].sort()).toEqual(['conc-1-0', 'conc-1-1', 'conc-1-2', 'conc-1-3', 'conc-1-4']);
    expect(state.counters.batches).toBe(5);
    expect(results.every((r) => r.outcome !== 'duplicate')).toBe(true);
    expect((await shadow('conc-1', 'pet')).state.desired).toMatchObject({ stress: 'stress' });
  });

  it('changes nothing for a batch it has handled before, and writes the pet only when the derived state changes', async () => {
    const first = await reason(batch('idem-1', 0, 20, 'rest'), deps);
    expect(first.outcome).toBe('written');
    const pet = await shadow('idem-1', 'pet');
    const again = await reason(batch('idem-1', 0, 20, 'rest'), deps);
    expect(again.outcome).toBe('duplicate');
    const same = await reason(batch('idem-1', 1, 15, 'rest'), deps);
    expect(same.outcome).toBe('unchanged');
    expect((await shadow('idem-1', 'pet')).version).toBe(pet.version);
  });

  it("words the pet in the wearer's persona from the config shadow; the persona changes the words, not the state", async () => {
    await client.send(new UpdateThingShadowCommand({ thingName: 'persona-1', shadowName: 'config', payload: Buffer.from(JSON.stringify({ state: { desired: { persona: 'strict' } } })) }));
    await client.send(new UpdateThingShadowCommand({ thingName: 'persona-2', shadowName: 'config', payload: Buffer.from(JSON.stringify({ state: { desired: { persona: 'encouraging' } } })) }));
    await reason(batch('persona-1', 0, 20, 'stress'), deps);
    await reason(batch('persona-2', 0, 20, 'stress'), deps);
    const strict = (await shadow('persona-1', 'pet')).state.desired;
    const kind = (await shadow('persona-2', 'pet')).state.desired;
    expect(strict).toMatchObject({ persona: 'strict' });
    expect(kind).toMatchObject({ persona: 'encouraging' });
    expect(strict?.stateHash).toBe(kind?.stateHash);
    expect(strict?.message).not.toBe(kind?.message);
  });

  it('reads the baseline from the store once, then from the reasoning shadow until it is an hour old', async () => {
    baselineCalls.length = 0;
    for (let k = 0; k < 4; k++) await reason(batch('base-1', k, 20 - k * 5, 'rest'), deps);
    expect(baselineCalls).toEqual(['base-1']);
    const state = decodeReasoningState((await shadow('base-1', 'reasoning')).state.reported);
    expect(state.counters).toMatchObject({ batches: 4, storeQueries: 1 });
  });

  it('rebuilds the window from the telemetry table after a gap, at most once an hour', async () => {
    const gw = { endpoint: h.gatewayUrl, region: h.stack.region, credentials: h.credentials };
    const write = createTimestreamWriteClient(gw);
    const query = new TimestreamQueryClient(gw);
    try {
      // 25 minutes of stress already stored (ingested), but no reasoning state: the state was lost
      await createIngestHandler({ client: write, database: 'pulsepet', table: 'telemetry', logger: silentLogger(), report: async () => {} })(batch('gap-1', 0, 30, 'stress'));
      for (let k = 1; k < 5; k++) await createIngestHandler({ client: write, database: 'pulsepet', table: 'telemetry', logger: silentLogger(), report: async () => {} })(batch('gap-1', k, 30 - k * 5, 'stress'));
      const withWindow = { ...deps, window: recentWindow(query, { database: 'pulsepet', telemetryTable: 'telemetry', dailyTable: 'daily' }) };
      const first = await reason(batch('gap-1', 5, 5, 'stress'), withWindow);
      expect(first.storeQueries).toBe(2); // the baseline and the window
      const state = decodeReasoningState((await shadow('gap-1', 'reasoning')).state.reported);
      expect(state.minutes.length).toBeGreaterThanOrEqual(25);
      expect(state.lastRebuildAt).toBeDefined();
      expect((await shadow('gap-1', 'pet')).state.desired).toMatchObject({ stress: 'stress' });
      const second = await reason(batch('gap-1', 6, 0, 'stress'), withWindow);
      expect(second.storeQueries).toBe(0);
    } finally {
      write.destroy();
      query.destroy();
    }
  });

  it('asks for the avatar of each state it writes, and not of a batch that writes nothing; a request that fails does not fail the batch', async () => {
    const asked: AvatarRequest[] = [];
    const withAvatars: ReasoningDeps = { ...deps, avatars: { request: async (r) => void asked.push(r) } };
    await reason({ ...batch('face-1', 0, 20, 'rest'), context: { altitudeM: 1900 } }, withAvatars);
    await reason(batch('face-1', 1, 15, 'rest'), withAvatars);
    const pet = (await shadow('face-1', 'pet')).state.desired;
    expect(asked).toEqual([{ kind: 'avatar', v: 1, thing: 'face-1', stateHash: pet?.stateHash, mood: pet?.mood, spoons: pet?.spoons, activity: pet?.stress, persona: pet?.persona, environment: { altitudeM: 1900 }, at: pet?.updatedAt }]);
    const failing: ReasoningDeps = { ...deps, avatars: { request: async () => Promise.reject(new Error('Lambda throttled')) } };
    expect((await reason(batch('face-2', 0, 20, 'stress'), failing)).outcome).toBe('written');
    expect((await shadow('face-2', 'pet')).state.desired?.stateHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses an event that is not telemetry with a non-retryable validation error', async () => {
    await expect(reason({ thing: 'x', nope: true }, deps)).rejects.toMatchObject({ code: 'PP_ERR_VALIDATION', retryable: false });
  });
});
