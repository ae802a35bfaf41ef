import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { TelemetryStore } from './store';
import type { WireRecord } from './write-request';

/**
 * The group commit's gathering window: writes that overlap (many ingest invocations at once)
 * share commits; a lone write, or a caller writing one call at a time, never waits.
 */

const stores: TelemetryStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
async function open(commitDelayMs: number): Promise<TelemetryStore> {
  const s = await TelemetryStore.open({ logger: silentLogger(), now: () => NOW + 60_000, commitDelayMs });
  stores.push(s);
  return s;
}

const NOW = 1_790_000_000_000;
const rec = (thing: string, t: number): WireRecord => ({
  Dimensions: [{ Name: 'thing', Value: thing }],
  MeasureName: 'vitals',
  MeasureValueType: 'MULTI',
  MeasureValues: [{ Name: 'hr', Value: '60', Type: 'DOUBLE' }],
  Time: String(t),
});
const write = (s: TelemetryStore, thing: string, t: number) => s.write({ DatabaseName: 'pulsepet', TableName: 'telemetry', Records: [rec(thing, t)] });

describe('Timestream store: the group commit window', () => {
  it('commits a lone write on an idle store at once, however long the window', async () => {
    const s = await open(600_000);
    const t0 = performance.now();
    expect((await write(s, 'lone', NOW)).ingested.Total).toBe(1);
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(s.stats.commits).toBe(1);
  });

  it('lets a steady stream of small writes (one per telemetry batch) share commits, and loses none of them', async () => {
    const s = await open(500);
    await write(s, 'prime', NOW);
    const before = s.stats.commits;
    const t0 = performance.now();
    // the second write arrives while the first is committing, so writes overlap from there on
    const pending: Promise<unknown>[] = [write(s, 'steady-0', NOW), write(s, 'steady-1', NOW + 1)];
    for (let i = 2; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 2));
      pending.push(write(s, `steady-${i}`, NOW + i));
    }
    await Promise.all(pending);
    const elapsed = performance.now() - t0;
    const commits = s.stats.commits - before;
    // one commit per 500 ms window the stream lasted (about 60 ms here, longer on a loaded
    // machine, where timers run late), plus the first write's: not one per write
    expect(commits).toBeLessThanOrEqual(Math.ceil(elapsed / 500) + 1);
    expect(commits).toBeLessThan(30);
    const rows = await s.query(`SELECT count(*) FROM ${s.catalog.table('pulsepet', 'telemetry')?.internal}`, []);
    expect(Number(rows[0]?.[0])).toBe(31);
  });

  it('never makes a caller that writes one call at a time wait, however long the window', async () => {
    const s = await open(600_000);
    const before = s.stats.commits;
    // each write starts once the one before it is committed: nothing overlaps, so no commit waits
    for (let i = 0; i < 20; i++) expect((await write(s, 'sequential', NOW + i)).ingested.Total).toBe(1);
    expect(s.stats.commits - before).toBe(20);
  });

  it('waits the window once writes overlap, and stops waiting a second after they stop', async () => {
    const s = await open(2000);
    const t0 = performance.now();
    // the first write commits at once; the two that arrive while it is committing overlap it
    const first = write(s, 'a', NOW).then(() => performance.now() - t0);
    const joined = [write(s, 'b', NOW), write(s, 'c', NOW)].map((p) => p.then(() => performance.now() - t0));
    const before = s.stats.commits;
    expect(await first).toBeLessThan(2000);
    const waited = await Promise.all(joined);
    for (const ms of waited) expect(ms).toBeGreaterThanOrEqual(1900);
    expect(s.stats.commits - before).toBe(2);
    await new Promise((r) => setTimeout(r, 1100));
    const t1 = performance.now();
    await write(s, 'lone', NOW);
    expect(performance.now() - t1).toBeLessThan(2000);
  });
});
