import { describe, expect, it } from 'vitest';
import { tableMeta } from '../../test/support/local/timestream';
import type { ColumnMeta, TableMeta } from './catalog';
import { dimensionSet } from './dimension-set';
import { normalizeRecords, type NormalizedRecord } from './records';
import { admitRecords, ingestionWindow } from './write-admission';
import type { WireRecord } from './write-request';

const NOW = 1_790_000_000_000;
const table = (columns: Array<Pick<ColumnMeta, 'name' | 'kind' | 'type'>> = [], magneticStoreWrites = false): TableMeta => tableMeta({ columns, magneticStoreWrites });
function records(...recs: WireRecord[]): NormalizedRecord[] {
  const { records: out, rejected } = normalizeRecords({ DatabaseName: 'db', TableName: 't', Records: recs });
  expect(rejected).toEqual([]);
  return out;
}
const rec = (time: number, measures: Record<string, [string, string]>, thing = 'a'): WireRecord => ({
  Dimensions: [{ Name: 'thing', Value: thing }],
  MeasureName: 'vitals',
  MeasureValueType: 'MULTI',
  MeasureValues: Object.entries(measures).map(([Name, [Value, Type]]) => ({ Name, Value, Type })),
  Time: String(time),
});

describe('Function: ingestionWindow', () => {
  it('spans the memory store only, unless the table takes magnetic writes; 15 minutes ahead at most', () => {
    expect(ingestionWindow(table(), NOW)).toEqual({ low: NOW - 3_600_000, memLow: NOW - 3_600_000, high: NOW + 900_000 });
    expect(ingestionWindow(table([], true), NOW).low).toBe(NOW - 2 * 86_400_000);
  });
});

describe('Function: admitRecords', () => {
  it('rejects records outside the window by index and keeps the others', () => {
    const rs = records(rec(NOW - 1, { hr: ['70', 'DOUBLE'] }), rec(NOW + 900_000, { hr: ['71', 'DOUBLE'] }), rec(NOW - 3_600_001, { hr: ['72', 'DOUBLE'] }));
    const { accepted, rejected } = admitRecords(table(), rs, ingestionWindow(table(), NOW));
    expect(accepted.map((r) => r.index)).toEqual([0]);
    expect(rejected.map((r) => r.RecordIndex)).toEqual([1, 2]);
    expect(rejected[0]?.Reason).toMatch(/outside the time range \[.*\) of the data ingestion window/);
  });

  it('collects the columns new records add, and holds later records of the call to them', () => {
    const rs = records(rec(NOW - 2, { hr: ['70', 'DOUBLE'] }), rec(NOW - 1, { hr: ['7', 'BIGINT'] }));
    const { accepted, rejected, added } = admitRecords(table(), rs, ingestionWindow(table(), NOW));
    expect(accepted.map((r) => r.index)).toEqual([0]);
    expect([...added]).toEqual([
      ['thing', { kind: 'dimension', type: 'VARCHAR' }],
      ['hr', { kind: 'measure', type: 'DOUBLE' }],
    ]);
    expect(rejected).toEqual([{ RecordIndex: 1, Reason: "Measure 'hr' has type DOUBLE in the table schema; a value of type BIGINT cannot be written." }]);
  });

  it('rejects a dimension whose name is a measure column of the table', () => {
    const t = table([{ name: 'thing', kind: 'measure', type: 'DOUBLE' }]);
    const { rejected } = admitRecords(t, records(rec(NOW - 1, { hr: ['70', 'DOUBLE'] })), ingestionWindow(t, NOW));
    expect(rejected[0]?.Reason).toBe("Dimension 'thing' conflicts with the measure of the same name in the table schema.");
  });
});

describe('Function: dimensionSet', () => {
  it('sorts dimensions by name and returns the problem of a bad set instead of throwing', () => {
    const ok = dimensionSet([{ Name: 'b', Value: '2' }, { Name: 'a', Value: '1' }]);
    expect('error' in ok ? ok.error : ok.dimensions).toEqual([['a', '1'], ['b', '2']]);
    expect(dimensionSet([{ Name: 'a', Value: '1' }, { Name: 'a', Value: '2' }])).toEqual({ error: "Duplicate dimension name 'a'." });
    expect(dimensionSet([{ Name: 'time', Value: '1' }])).toEqual({ error: "Dimension name 'time' is reserved." });
  });
});
