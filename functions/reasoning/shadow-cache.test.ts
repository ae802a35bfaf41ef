import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeReasoningState } from '../../protocol/reasoning-state';
import { summarize } from '../../protocol/telemetry';
import { reasoningTestDeps } from '../../test/support/functions/reasoning-deps';
import { type ShadowHarness, startShadowHarness } from '../../test/support/local/shadow/harness';
import type { ShadowPort } from './ports';
import { createReasoningHandler } from './handler';
import { type ReasonResult, reason } from './reason';
import { iotDataShadows } from './shadow-adapter';
import { cachingShadow } from './shadow-cache';

/** The reasoning shadow's copy, against the real local shadow service through the real client-iot-data-plane. */

let h: ShadowHarness;
let client: IoTDataPlaneClient;
beforeAll(async () => {
  h = await startShadowHarness();
  client = new IoTDataPlaneClient({ endpoint: h.gatewayUrl, region: h.stack.region, credentials: h.credentials, maxAttempts: 8 });
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await h?.close();
});

/** The real port, counting its reads per shadow name. */
function counted(): { port: ShadowPort; gets: Map<string, number> } {
  const inner = iotDataShadows(client);
  const gets = new Map<string, number>();
  return {
    gets,
    port: {
      get: (thing, name) => {
        gets.set(name, (gets.get(name) ?? 0) + 1);
        return inner.get(thing, name);
      },
      update: (thing, name, state, v) => inner.update(thing, name, state, v),
    },
  };
}

describe('The reasoning shadow copy', () => {
  it('holds what the shadow holds after each versioned update (objects merged, arrays replaced), without reading it again', async () => {
    const { port, gets } = counted();
    const cached = cachingShadow(port, { shadowNames: ['reasoning'], maxThings: 10 });
    const fresh = iotDataShadows(client);
    let v = await cached.update('copy-1', 'reasoning', { reported: { a: { x: 1, y: 2 }, list: [1, 2], keep: 'k' } }, 0);
    expect(v).toBe(1);
    expect(await cached.get('copy-1', 'reasoning')).toEqual(await fresh.get('copy-1', 'reasoning'));
    v = await cached.update('copy-1', 'reasoning', { reported: { a: { x: 3 }, list: [3], gone: null } }, v as number);
    v = await cached.update('copy-1', 'reasoning', { reported: { a: { z: { deep: true } }, n: 5 } }, v as number);
    const copy = await cached.get('copy-1', 'reasoning');
    expect(copy).toEqual(await fresh.get('copy-1', 'reasoning'));
    expect(copy).toEqual({ version: 3, reported: { a: { x: 3, y: 2, z: { deep: true } }, list: [3], keep: 'k', n: 5 } });
    expect(gets.get('reasoning') ?? 0).toBe(0);
    // other shadows pass straight through
    await cached.get('copy-1', 'pet');
    expect(gets.get('pet')).toBe(1);
  });

  it('answers a stale version with a conflict when the shadow changed elsewhere, drops the copy and reads the shadow again', async () => {
    const { port, gets } = counted();
    const cached = cachingShadow(port, { shadowNames: ['reasoning'], maxThings: 10 });
    const v = (await cached.update('copy-2', 'reasoning', { reported: { n: 1 } }, 0)) as number;
    await client.send(new UpdateThingShadowCommand({ thingName: 'copy-2', shadowName: 'reasoning', payload: Buffer.from(JSON.stringify({ state: { reported: { coach: { calls: 1 } } } })) }));
    const stale = await cached.get('copy-2', 'reasoning');
    expect(stale?.version).toBe(v);
    expect(await cached.update('copy-2', 'reasoning', { reported: { n: 2 } }, v)).toBe('conflict');
    const read = await cached.get('copy-2', 'reasoning');
    expect(gets.get('reasoning')).toBe(1);
    expect(read).toEqual({ version: v + 1, reported: { n: 1, coach: { calls: 1 } } });
    expect(await cached.update('copy-2', 'reasoning', { reported: { n: 2 } }, read?.version)).toBe(v + 2);
  });

  it('keeps at most maxThings copies, the least recently used going first', async () => {
    const { port } = counted();
    const cached = cachingShadow(port, { shadowNames: ['reasoning'], maxThings: 2 });
    for (const t of ['lru-1', 'lru-2', 'lru-3']) await cached.update(t, 'reasoning', { reported: { t } }, 0);
    expect(cached.size).toBe(2);
  });

  it('remembers a shadow that does not exist, until the versioned update that creates it', async () => {
    const { port, gets } = counted();
    const cached = cachingShadow(port, { shadowNames: ['reasoning'], maxThings: 10 });
    expect(await cached.get('absent-1', 'reasoning')).toBeUndefined();
    expect(await cached.get('absent-1', 'reasoning')).toBeUndefined();
    expect(gets.get('reasoning')).toBe(1);
    expect(await cached.update('absent-1', 'reasoning', { reported: { n: 1 } }, 0)).toBe(1);
    expect(await cached.get('absent-1', 'reasoning')).toEqual({ version: 1, reported: { n: 1 } });
    expect(gets.get('reasoning')).toBe(1);
  });

  it('answers the creating update with a conflict when the shadow was created elsewhere meanwhile, then reads it', async () => {
    const { port, gets } = counted();
    const cached = cachingShadow(port, { shadowNames: ['reasoning-coach'], maxThings: 10 });
    expect(await cached.get('absent-2', 'reasoning-coach')).toBeUndefined();
    await client.send(new UpdateThingShadowCommand({ thingName: 'absent-2', shadowName: 'reasoning-coach', payload: Buffer.from(JSON.stringify({ state: { reported: { by: 'other' } } })) }));
    expect(await cached.update('absent-2', 'reasoning-coach', { reported: { by: 'me' } }, 0)).toBe('conflict');
    expect(await cached.get('absent-2', 'reasoning-coach')).toEqual({ version: 1, reported: { by: 'other' } });
    expect(gets.get('reasoning-coach')).toBe(2);
  });

  it('keeps the copies of each named shadow apart, each within maxThings', async () => {
    const { port, gets } = counted();
    const cached = cachingShadow(port, { shadowNames: ['reasoning', 'reasoning-coach'], maxThings: 2 });
    for (const t of ['two-1', 'two-2', 'two-3']) {
      await cached.update(t, 'reasoning', { reported: { state: t } }, 0);
      await cached.update(t, 'reasoning-coach', { reported: { answers: t } }, 0);
    }
    expect(cached.size).toBe(4);
    expect(await cached.get('two-3', 'reasoning')).toEqual({ version: 1, reported: { state: 'two-3' } });
    expect(await cached.get('two-3', 'reasoning-coach')).toEqual({ version: 1, reported: { answers: 'two-3' } });
    expect(gets.size).toBe(0);
  });
});

const NOW = Date.now();
function batch(thing: string, seq: number, minutesAgo: number) {
  const samples = Array.from({ length: 120 }, (_, i) => ({ t: NOW - minutesAgo * 60_000 + i * 1000, hr: 62, hrvRmssd: 48, steps: 0, accelG: 0.01 }));
  return { v: 1, batchId: `${thing}-${seq}`, seq, samples, summary: summarize(samples), thing };
}

describe('The reasoning loop over the copy', () => {
  it('reads the reasoning shadow once for a run of batches, and loses none when batches run concurrently', async () => {
    const { port, gets } = counted();
    const deps = reasoningTestDeps(cachingShadow(port, { shadowNames: ['reasoning'], maxThings: 10 }));
    for (let k = 0; k < 4; k++) await reason(batch('loop-1', k, 20 - k * 2), deps);
    expect(gets.get('reasoning')).toBe(1);
    expect((await reason(batch('loop-1', 2, 16), deps)).outcome).toBe('duplicate');
    const results = await Promise.all([4, 5, 6, 7].map((k) => reason(batch('loop-1', k, 20 - k * 2), deps)));
    expect(results.every((r) => r.outcome !== 'duplicate')).toBe(true);
    const state = decodeReasoningState((await iotDataShadows(client).get('loop-1', 'reasoning'))?.reported);
    expect([...state.recentBatches].sort()).toEqual(Array.from({ length: 8 }, (_, k) => `loop-1-${k}`));
    expect(state.counters.batches).toBe(8);
  });
});

/** Batch `seq` of a backlog flushed at once: a minute each, the newest ending now. */
function backlog(thing: string, seq: number) {
  const samples = Array.from({ length: 60 }, (_, i) => ({ t: NOW - (8 - seq) * 60_000 + i * 1000, hr: 70 + seq, hrvRmssd: 40, steps: 0, accelG: 0.01 }));
  return { v: 1, batchId: `${thing}-${seq}`, seq, samples, summary: summarize(samples), thing };
}

describe('The reasoning handler and a backlog of one device', () => {
  it('reasons about a flushed backlog one batch after another: no version conflict, the baseline read once, every batch kept', async () => {
    const handle = createReasoningHandler({ ...reasoningTestDeps(cachingShadow(iotDataShadows(client), { shadowNames: ['reasoning'], maxThings: 10 })), report: async () => {} });
    const results = (await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((k) => handle(backlog('backlog-1', k))))) as ReasonResult[];
    expect(results.map((r) => r.conflicts)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(results.reduce((n, r) => n + r.storeQueries, 0)).toBe(1);
    const state = decodeReasoningState((await iotDataShadows(client).get('backlog-1', 'reasoning'))?.reported);
    expect([...state.recentBatches].sort()).toEqual(Array.from({ length: 8 }, (_, k) => `backlog-1-${k}`));
  });

  it('the same backlog through the loop alone, side by side, conflicts (what the order saves)', async () => {
    const deps = reasoningTestDeps(iotDataShadows(client));
    const results = await Promise.all([0, 1, 2, 3].map((k) => reason(backlog('backlog-2', k), deps)));
    expect(results.reduce((n, r) => n + r.conflicts, 0)).toBeGreaterThan(0);
  });
});
