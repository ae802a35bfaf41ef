import { describe, expect, it } from 'vitest';
import { tableMeta } from '../../test/support/local/timestream';
import { translateQuery } from './query-translator';

/** The scope of a query: what every row it reads must satisfy (query-scope.ts), read from the WHERE clause's top-level ANDs. */

const table = tableMeta({
  database: 'pulsepet',
  name: 'telemetry',
  columns: [
    { name: 'thing', kind: 'dimension', type: 'VARCHAR', internal: 'd_0' },
    { name: 'site', kind: 'dimension', type: 'VARCHAR', internal: 'd_1' },
    { name: 'hr', kind: 'measure', type: 'DOUBLE', internal: 'm_2' },
    { name: 'mode', kind: 'measure', type: 'VARCHAR', internal: 'm_3' },
  ],
  retention: { MemoryStoreRetentionPeriodInHours: 24, MagneticStoreRetentionPeriodInDays: 365 },
  magneticStoreWrites: true,
});
const NOW_MS = 1_790_000_000_000;
const NOW_NS = BigInt(NOW_MS) * 1_000_000n;
const tr = (where: string, select = 'hr') =>
  translateQuery(`SELECT ${select} FROM "pulsepet"."telemetry" t WHERE ${where}`, (db, n) => (db === 'pulsepet' && n === 'telemetry' ? table : undefined), NOW_MS);
const scope = (where: string) => tr(where).scope;
const MIN = 60_000_000_000n;

describe('Function: translateQuery — scope', () => {
  it('reads the window query of the reasoning function: a thing, and a time range from ISO timestamps', () => {
    const s = scope(
      `thing = 'pet-1' AND measure_name = 'vitals' AND time >= from_iso8601_timestamp('2026-12-05T10:00:00.000Z') AND time < from_iso8601_timestamp('2026-12-05T10:30:00.000Z')`,
    );
    const from = BigInt(Date.parse('2026-12-05T10:00:00.000Z')) * 1_000_000n;
    expect(s).toEqual({ equals: [['thing', 'pet-1']], minNs: from, maxNs: from + 30n * MIN - 1n });
  });

  it('takes equalities written either way round, qualified columns, and several dimensions', () => {
    expect(scope(`'pet-1' = t.thing AND site = 'lab'`)).toEqual({ equals: [['thing', 'pet-1'], ['site', 'lab']] });
    expect(scope(`THING = 'x'`)).toEqual({ equals: [['thing', 'x']] });
  });

  it('keeps the narrowest of several time bounds: >, >=, <, <=, =, BETWEEN, ago(), now() and literals', () => {
    expect(scope(`time > ago(1h) AND time >= ago(2h) AND time <= now()`)).toEqual({ equals: [], minNs: NOW_NS - 60n * MIN + 1n, maxNs: NOW_NS });
    expect(scope(`ago(5m) < time`)).toEqual({ equals: [], minNs: NOW_NS - 5n * MIN + 1n });
    expect(scope(`time BETWEEN '2026-01-01 00:00:00' AND '2026-01-02'`)).toEqual({
      equals: [],
      minNs: BigInt(Date.parse('2026-01-01T00:00:00Z')) * 1_000_000n,
      maxNs: BigInt(Date.parse('2026-01-02T00:00:00Z')) * 1_000_000n,
    });
    expect(scope(`time = from_milliseconds(5)`)).toBeUndefined(); // not folded to a constant: ignored
  });

  it('ignores what does not bind every row: OR, NOT, negated BETWEEN, measures, inequality, non-literal comparisons', () => {
    expect(scope(`thing = 'a' OR thing = 'b'`)).toBeUndefined();
    expect(scope(`NOT (thing = 'a')`)).toBeUndefined();
    expect(scope(`time NOT BETWEEN ago(1h) AND now()`)).toBeUndefined();
    expect(scope(`mode = 'run' AND hr > 100`)).toBeUndefined();
    expect(scope(`thing <> 'a' AND thing = site`)).toBeUndefined();
    expect(scope(`(thing = 'a' OR site = 'b') AND time < now() - 1h`)).toBeUndefined();
    expect(scope(`thing LIKE 'a%' AND thing IN ('a', 'b')`)).toBeUndefined();
  });

  it('does not take a select alias for the dimension it shadows, nor leave extra parameters behind', () => {
    const q = translateQuery(
      `SELECT hr AS thing FROM "pulsepet"."telemetry" WHERE thing = 'x' AND time >= '2026-01-01 00:00:00'`,
      () => table,
      NOW_MS,
    );
    // `thing` is a column of the table, so the WHERE clause means the column, as the translation does
    expect(q.scope?.equals).toEqual([['thing', 'x']]);
    expect(q.params).toEqual(['x']);
  });

  it('gives the same query over none of the table rows for an aggregate without GROUP BY; any other query gives no rows', () => {
    const q = translateQuery(`SELECT count(*) + 1, max(hr) FROM "pulsepet"."telemetry" WHERE thing = 'x' HAVING count(*) >= 0`, () => table, NOW_MS);
    expect(q.sql).toBe('SELECT CAST((count(*) + 1) AS BIGINT) AS "c0", CAST(max(m_2) AS DOUBLE) AS "c1" FROM t_0 WHERE (d_0 = $1) HAVING (count(*) >= 0)');
    expect(q.emptySql).toBe('SELECT CAST((count(*) + 1) AS BIGINT) AS "c0", CAST(max(m_2) AS DOUBLE) AS "c1" FROM (SELECT * FROM t_0 LIMIT 0) AS t_0 WHERE (d_0 = $1) HAVING (count(*) >= 0)');
    expect(translateQuery(`SELECT thing, count(*) FROM "pulsepet"."telemetry" WHERE thing = 'x' GROUP BY thing`, () => table, NOW_MS).emptySql).toBeNull();
    expect(tr(`thing = 'x'`, 'DISTINCT hr').emptySql).toBeNull();
    expect(tr(`hr > 1`).scope).toBeUndefined();
  });
});
