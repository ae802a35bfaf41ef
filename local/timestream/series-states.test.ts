import { describe, expect, it } from 'vitest';
import { tableMeta } from '../../test/support/local/timestream';
import type { RejectedRecord } from './errors';
import { normalizeRecords } from './records';
import { recordTime } from './record-time';
import { SeriesIndex } from './series-index';
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
        return new SeriesIndex();
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
      expect(loads).toBe(1);
    });

    it('counts records before the memory store window as magnetic', async () => {
      const states = new SeriesStates(async () => new SeriesIndex());
      expect(await states.upsert(T, write('1', 5), 10, [], [])).toEqual({ memory: 0, magnetic: 1 });
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
