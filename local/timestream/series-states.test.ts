import { describe, expect, it } from 'vitest';
import { tableMeta } from '../../test/support/local/timestream';
import type { RejectedRecord } from './errors';
import { normalizeRecords } from './records';
import { recordTime } from './record-time';
import { SeriesStates, type UpsertDelete } from './series-states';

const T = tableMeta({ retention: { MemoryStoreRetentionPeriodInHours: 1, MagneticStoreRetentionPeriodInDays: 1 }, magneticStoreWrites: true });
const write = (hr: string, time: number, version?: number) =>
  normalizeRecords({
    DatabaseName: 'db',
    TableName: 't',
    Records: [{ Dimensions: [{ Name: 'thing', Value: 'a' }], MeasureName: 'm', MeasureValue: hr, Time: String(time), ...(version ? { Version: version } : {}) }],
  }).records;

describe('Class: SeriesStates', () => {
  describe('Method: upsert', () => {
    it('stages a new record, accepts an identical replay without staging, replaces on a higher version and rejects a different value at the same version', async () => {
      let loads = 0;
      const states = new SeriesStates(async () => {
        loads++;
        return [];
      });
      const deletes: UpsertDelete[] = [];
      const rejected: RejectedRecord[] = [];
      const up = (recs: ReturnType<typeof write>) => states.upsert(T, recs, 0, deletes, rejected);
      expect(await up(write('70', 10))).toEqual({ memory: 1, magnetic: 0 });
      expect(states.takeStaged()).toHaveLength(1);
      expect(await up(write('70.0', 10))).toEqual({ memory: 1, magnetic: 0 });
      expect(states.takeStaged()).toHaveLength(0);
      await up(write('71', 10));
      expect(rejected).toEqual([expect.objectContaining({ RecordIndex: 0, ExistingVersion: 1 })]);
      await up(write('71', 10, 2));
      expect(deletes.map(([, r, v]) => [r.version, v])).toEqual([[2, 1]]);
      expect(states.indexed).toBe(1);
      // the table had no rows at open, and nothing was trimmed: nothing to read from disk
      expect(loads).toBe(0);
    });

    it('counts records before the memory store window as magnetic', async () => {
      const states = new SeriesStates(async () => []);
      expect(await states.upsert(T, write('1', 5), 10, [], [])).toEqual({ memory: 0, magnetic: 1 });
    });
  });

  describe('Method: dropTable', () => {
    it('takes the dropped table out of the count of index entries', async () => {
      const states = new SeriesStates(async () => []);
      await states.upsert(T, [...write('1', 1), ...write('2', 2)], 0, [], []);
      await states.upsert({ ...T, internal: 't_1' }, write('3', 3), 0, [], []);
      expect(states.indexed).toBe(3);
      states.dropTable(T.internal);
      expect(states.indexed).toBe(1);
    });
  });

  describe('Method: trim', () => {
    it('reads from disk only what a write older than its series index needs, and decides the upsert from it', async () => {
      const disk = new Map<number, { v: number; fp: number }>();
      const reads: Array<[number, number]> = [];
      const states = new SeriesStates(async (_t, _s, _m, fromMs, belowMs) => {
        reads.push([fromMs, belowMs]);
        return [...disk].filter(([t]) => t >= fromMs && t < belowMs).map(([key, e]) => ({ key, ...e }));
      });
      const commit = (times: number[]) => {
        for (const [, state] of states.takeStaged()) state.run = undefined;
        for (const t of times) disk.set(t, { v: 1, fp: write(String(t), t)[0]!.fingerprint });
      };
      const rejected: RejectedRecord[] = [];
      const T2 = { ...T, hadRowsAtOpen: true };
      disk.set(1, { v: 1, fp: write('60', 1)[0]!.fingerprint });
      // the first write of a series on a table with rows reads from its time on, not the whole series
      for (let t = 10; t < 20; t++) await states.upsert(T2, write(String(t), t), 0, [], rejected);
      expect(reads).toEqual([[10, Number.POSITIVE_INFINITY]]);
      commit([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      expect(states.indexed).toBe(10);
      expect(states.trim()).toBe(5);
      expect(states.indexed).toBe(5);
      // newer than the kept half: decided in memory
      await states.upsert(T2, write('17', 17), 0, [], rejected);
      expect(reads).toHaveLength(1);
      // a replay of t=12 (trimmed) reads back only its own stretch, [12, 13), and is accepted without a row
      expect(await states.upsert(T2, write('12', 12), 0, [], rejected)).toEqual({ memory: 1, magnetic: 0 });
      expect(states.takeStaged()).toHaveLength(0);
      expect(reads[1]).toEqual([12, 13]);
      // a different value at t=1 conflicts with the stored version
      await states.upsert(T2, write('99', 1), 0, [], rejected);
      expect(reads[2]).toEqual([1, 2]);
      expect(rejected).toEqual([expect.objectContaining({ RecordIndex: 0, ExistingVersion: 1 })]);
      expect(states.loads).toEqual({ count: 3, entries: 2 });
    });
  });
});

describe('Function: recordTime', () => {
  it('keeps whole milliseconds as numbers and finer times as ns', () => {
    expect(recordTime('1790000000000', 'MILLISECONDS')).toEqual({ timeMs: 1_790_000_000_000, timeNs: undefined, timeKey: 1_790_000_000_000 });
    expect(recordTime('1790000000', 'SECONDS')).toEqual({ timeMs: 1_790_000_000_000, timeNs: undefined, timeKey: 1_790_000_000_000 });
    expect(recordTime('1790000000000000001', 'NANOSECONDS')).toEqual({ timeMs: 1_790_000_000_000, timeNs: 1_790_000_000_000_000_001n, timeKey: '1790000000000000001' });
    expect(() => recordTime('-1', 'MILLISECONDS')).toThrow("Time '-1' is not a valid MILLISECONDS epoch value.");
  });
});
