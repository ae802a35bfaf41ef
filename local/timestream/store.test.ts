import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { vitalsRecord } from '../../test/support/local/timestream';
import type { WireRecord } from './write-request';
import { TelemetryStore } from './store';

const dirs: string[] = [];
const stores: TelemetryStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pp-ts-store-'));
  dirs.push(d);
  return d;
}
async function open(dataDir: string | undefined, now?: () => number, maxIndexEntries?: number): Promise<TelemetryStore> {
  const s = await TelemetryStore.open({
    logger: silentLogger(),
    ...(dataDir ? { dataDir } : {}),
    ...(now ? { now } : {}),
    ...(maxIndexEntries ? { maxIndexEntries } : {}),
  });
  stores.push(s);
  return s;
}

const NOW = 1_790_000_000_000;
const rec = vitalsRecord;
const write = (s: TelemetryStore, Records: WireRecord[]) => s.write({ DatabaseName: 'pulsepet', TableName: 'telemetry', Records });
async function hrs(s: TelemetryStore, thing: string): Promise<number[]> {
  const t = s.catalog.table('pulsepet', 'telemetry');
  const hr = t?.columns.get('hr')?.internal;
  const dim = t?.columns.get('thing')?.internal;
  const rows = await s.query(`SELECT ${hr} FROM ${t?.internal} WHERE ${dim} = $1 ORDER BY time`, [thing]);
  return rows.map((r) => Number(r[0]));
}

describe('Class: TelemetryStore', () => {
  describe('Method: write', () => {
    it('treats "72" and "72.0" as the same DOUBLE, so the replay is accepted without a second row', async () => {
      const s = await open(undefined, () => NOW);
      await write(s, [rec('a', NOW - 1, 72)]);
      const again = await write(s, [{ ...rec('a', NOW - 1, 72), MeasureValues: [{ Name: 'hr', Value: '72.0', Type: 'DOUBLE' }] }]);
      expect(again.rejected).toEqual([]);
      expect(await hrs(s, 'a')).toEqual([72]);
    });

    it('rejects a lower version with a different value and keeps the stored one', async () => {
      const s = await open(undefined, () => NOW);
      await write(s, [rec('a', NOW - 1, 70, 5)]);
      const out = await write(s, [rec('a', NOW - 1, 71, 4)]);
      expect(out.rejected).toEqual([expect.objectContaining({ RecordIndex: 0, ExistingVersion: 5 })]);
      expect(await hrs(s, 'a')).toEqual([70]);
    });

    it('applies duplicates inside one request in order, like successive writes', async () => {
      const s = await open(undefined, () => NOW);
      const out = await write(s, [rec('a', NOW - 1, 70, 1), rec('a', NOW - 1, 75, 2), rec('a', NOW - 1, 79, 2)]);
      expect(out.rejected.map((r) => r.RecordIndex)).toEqual([2]);
      expect(await hrs(s, 'a')).toEqual([75]);
    });

    it('rejects a measure whose type differs from the table schema', async () => {
      const s = await open(undefined, () => NOW);
      await write(s, [rec('a', NOW - 1, 70)]);
      const out = await write(s, [{ ...rec('a', NOW - 2, 0), MeasureValues: [{ Name: 'hr', Value: '70', Type: 'BIGINT' }] }]);
      expect(out.rejected[0]?.Reason).toMatch(/type DOUBLE/);
    });

    it('makes every concurrently written record queryable once its write resolves (group commit)', async () => {
      const s = await open(undefined, () => NOW);
      const writes = Array.from({ length: 20 }, (_, b) =>
        write(s, Array.from({ length: 50 }, (_, i) => rec(`dev-${b % 4}`, NOW - 100_000 + b * 50 + i, 60 + (i % 30)))),
      );
      const results = await Promise.all(writes);
      expect(results.reduce((n, r) => n + r.ingested.Total, 0)).toBe(1000);
      const t = s.catalog.table('pulsepet', 'telemetry');
      const rows = await s.query(`SELECT count(*) FROM ${t?.internal}`, []);
      expect(Number(rows[0]?.[0])).toBe(1000);
    });

    it('commits staged rows even when a later write in the same commit changes the schema and appends nothing', async () => {
      const s = await open(undefined, () => NOW);
      await write(s, [rec('a', NOW - 1, 70, 5)]);
      const withNewMeasure: WireRecord = {
        ...rec('a', NOW - 1, 71, 1),
        MeasureValues: [
          { Name: 'hr', Value: '71', Type: 'DOUBLE' },
          { Name: 'spo2', Value: '97', Type: 'DOUBLE' },
        ],
      };
      const [first, second] = await Promise.all([write(s, [rec('a', NOW - 2, 72)]), write(s, [withNewMeasure])]);
      expect(first.rejected).toEqual([]);
      expect(second.rejected[0]?.ExistingVersion).toBe(5);
      expect(await hrs(s, 'a')).toEqual([72, 70]);
    });

    it('keeps upsert semantics for records older than what the bounded version index kept, reading only their stretch back from disk', async () => {
      const s = await open(undefined, () => NOW, 5);
      await write(s, Array.from({ length: 10 }, (_, i) => rec('a', NOW - 1000 + i, 60 + i, 2)));
      // past the bound of 5 entries, the series keeps its newer half (NOW - 995 on)
      const recent = await write(s, [rec('a', NOW - 995, 65, 2), rec('a', NOW - 990, 70, 2)]);
      expect(recent.rejected).toEqual([]);
      expect(s.indexLoads.count).toBe(0);
      const replay = await write(s, [rec('a', NOW - 1000, 60, 2)]);
      expect(replay.rejected).toEqual([]);
      expect(s.indexLoads.count).toBe(1);
      const conflict = await write(s, [rec('a', NOW - 999, 99, 1)]);
      expect(conflict.rejected[0]?.ExistingVersion).toBe(2);
      const upsert = await write(s, [rec('a', NOW - 998, 88, 3)]);
      expect(upsert.rejected).toEqual([]);
      const again = await write(s, [rec('a', NOW - 998, 77, 3)]);
      expect(again.rejected[0]?.ExistingVersion).toBe(3);
      expect(await hrs(s, 'a')).toEqual([60, 61, 88, 63, 64, 65, 66, 67, 68, 69, 70]);
    });

    it('reads nothing back for the next record of series that each kept nothing past the bound, and still knows their replays', async () => {
      const s = await open(undefined, () => NOW, 5);
      await write(s, Array.from({ length: 6 }, (_, i) => rec(`one-${i}`, NOW - 1000, 60 + i, 1)));
      expect(s.indexTrims).toBe(1);
      expect(s.indexEntries).toBe(0);
      await write(s, Array.from({ length: 6 }, (_, i) => rec(`one-${i}`, NOW - 500, 70 + i, 1)));
      expect(s.indexLoads.count).toBe(0);
      const replay = await write(s, [rec('one-2', NOW - 1000, 62, 1)]);
      expect(replay.rejected).toEqual([]);
      const conflict = await write(s, [rec('one-3', NOW - 1000, 99, 1)]);
      expect(conflict.rejected[0]?.ExistingVersion).toBe(1);
      expect(s.indexLoads.count).toBe(2);
      expect(await hrs(s, 'one-3')).toEqual([63, 73]);
    });

    it('stores every measure type exactly and NULL where a record of the same series lacks a measure', async () => {
      const s = await open(undefined, () => NOW);
      const big = '9007199254740993123';
      const out = await write(s, [
        {
          ...rec('a', NOW - 3, 0),
          MeasureValues: [
            { Name: 'hr', Value: '72.5', Type: 'DOUBLE' },
            { Name: 'steps', Value: big, Type: 'BIGINT' },
            { Name: 'mode', Value: 'walk', Type: 'VARCHAR' },
            { Name: 'ok', Value: 'true', Type: 'BOOLEAN' },
            { Name: 'at', Value: String(NOW - 10), Type: 'TIMESTAMP' },
          ],
        },
        { ...rec('a', NOW - 2, 0), MeasureValues: [{ Name: 'steps', Value: '-7', Type: 'BIGINT' }] },
        { ...rec('a', NOW - 1, 61), Time: `${(NOW - 1) * 1000 + 5}`, TimeUnit: 'MICROSECONDS' },
      ]);
      expect(out.rejected).toEqual([]);
      const t = s.catalog.table('pulsepet', 'telemetry');
      const col = (n: string) => t?.columns.get(n)?.internal;
      const rows = await s.query(
        `SELECT time, ${col('hr')}, ${col('steps')}, ${col('mode')}, ${col('ok')}, ${col('at')}, ${col('thing')} FROM ${t?.internal} ORDER BY time`,
        [],
      );
      expect(rows).toEqual([
        [BigInt(NOW - 3) * 1_000_000n, 72.5, BigInt(big), 'walk', true, BigInt(NOW - 10) * 1_000_000n, 'a'],
        [BigInt(NOW - 2) * 1_000_000n, null, -7n, null, null, null, 'a'],
        [BigInt(NOW - 1) * 1_000_000n + 5_000n, 61, null, null, null, null, 'a'],
      ]);
    });

    it('keeps each series its own dimensions and NULLs when several series share one commit', async () => {
      const s = await open(undefined, () => NOW);
      await write(s, [{ ...rec('a', NOW - 9, 1), Dimensions: [{ Name: 'thing', Value: 'a' }, { Name: 'site', Value: 'x' }] }]);
      await Promise.all([
        write(s, [{ ...rec('a', NOW - 3, 0), MeasureValues: [{ Name: 'spo2', Value: '97', Type: 'DOUBLE' }] }]),
        write(s, [rec('b', NOW - 2, 60)]),
        write(s, [{ ...rec('c', NOW - 1, 61), Dimensions: [{ Name: 'thing', Value: 'c' }, { Name: 'site', Value: 'y' }] }]),
      ]);
      const t = s.catalog.table('pulsepet', 'telemetry');
      const col = (n: string) => t?.columns.get(n)?.internal;
      const rows = await s.query(`SELECT ${col('thing')}, ${col('site')}, ${col('hr')}, ${col('spo2')} FROM ${t?.internal} ORDER BY time`, []);
      expect(rows).toEqual([
        ['a', 'x', 1, null],
        ['a', null, null, 97],
        ['b', null, 60, null],
        ['c', 'y', 61, null],
      ]);
    });

    it('checks the schema of each record against the columns earlier records of the same call add', async () => {
      const s = await open(undefined, () => NOW);
      const out = await write(s, [
        { ...rec('a', NOW - 2, 0), MeasureValues: [{ Name: 'x', Value: '1', Type: 'DOUBLE' }] },
        { ...rec('a', NOW - 1, 0), MeasureValues: [{ Name: 'x', Value: '1', Type: 'BIGINT' }] },
        { ...rec('b', NOW - 1, 0), Dimensions: [{ Name: 'x', Value: 'v' }] },
      ]);
      expect(out.rejected.map((r) => [r.RecordIndex, r.Reason])).toEqual([
        [1, "Measure 'x' has type DOUBLE in the table schema; a value of type BIGINT cannot be written."],
        [2, "Dimension 'x' conflicts with the measure of the same name in the table schema."],
      ]);
      expect(s.catalog.table('pulsepet', 'telemetry')?.columns.get('x')?.kind).toBe('measure');
    });

    it('counts records older than the memory store but inside the magnetic window as MagneticStore', async () => {
      const s = await open(undefined, () => NOW);
      const out = await write(s, [rec('a', NOW - 3 * 86_400_000, 70), rec('a', NOW - 1000, 71)]);
      expect(out.ingested).toEqual({ Total: 2, MemoryStore: 1, MagneticStore: 1 });
    });
  });

  describe('Method: open', () => {
    it('keeps data, schema and versions across a restart, so a replay after restart is still idempotent', async () => {
      const dir = tempDir();
      const first = await open(dir, () => NOW);
      await write(first, [rec('a', NOW - 1, 70, 2), rec('a', NOW - 2, 71, 2)]);
      await first.close();
      stores.splice(stores.indexOf(first), 1);

      const second = await open(dir, () => NOW);
      const replay = await write(second, [rec('a', NOW - 1, 70, 2)]);
      expect(replay.rejected).toEqual([]);
      const conflict = await write(second, [rec('a', NOW - 2, 99, 2)]);
      expect(conflict.rejected[0]?.ExistingVersion).toBe(2);
      const upsert = await write(second, [rec('a', NOW - 2, 98, 3)]);
      expect(upsert.rejected).toEqual([]);
      expect(await hrs(second, 'a')).toEqual([98, 70]);
    });

    it('seeds the tables the rules write into: pulsepet.telemetry, presence and petStates', async () => {
      const s = await open(undefined);
      expect(s.catalog.listTables('pulsepet').map((t) => t.name).sort()).toEqual(['petStates', 'presence', 'telemetry']);
    });
  });
});
