import { describe, expect, it } from 'vitest';
import { tableMeta } from '../../test/support/local/timestream';
import { TimestreamError } from './errors';
import { parseTimestreamSql } from './query-parser';
import { translateQuery } from './query-translator';

const table = tableMeta({
  database: 'pulsepet',
  name: 'telemetry',
  columns: [
    { name: 'thing', kind: 'dimension', type: 'VARCHAR', internal: 'd_0' },
    { name: 'hr', kind: 'measure', type: 'DOUBLE', internal: 'm_1' },
    { name: 'steps', kind: 'measure', type: 'BIGINT', internal: 'm_2' },
    { name: 'hrvRmssd', kind: 'measure', type: 'DOUBLE', internal: 'm_3' },
  ],
  retention: { MemoryStoreRetentionPeriodInHours: 24, MagneticStoreRetentionPeriodInDays: 365 },
  magneticStoreWrites: true,
});
const lookup = (db: string, t: string) => (db === 'pulsepet' && t === 'telemetry' ? table : undefined);
const NOW_MS = 1_790_000_000_000;
const tr = (sql: string) => translateQuery(sql, lookup, NOW_MS);
const fails = (sql: string): TimestreamError => {
  try {
    tr(sql);
  } catch (e) {
    if (e instanceof TimestreamError) return e;
    throw e;
  }
  throw new Error(`expected ${sql} to fail`);
};

describe('Function: translateQuery', () => {
  it('maps columns to the store layout and binds string literals as parameters', () => {
    const q = tr(`SELECT hr FROM "pulsepet"."telemetry" WHERE thing = 'pet-1'`);
    expect(q.sql).toBe('SELECT CAST(m_1 AS DOUBLE) AS "c0" FROM t_0 WHERE (d_0 = $1)');
    expect(q.params).toEqual(['pet-1']);
  });

  it('reads a literal left of a comparison as the timestamp it is compared with, binding no parameter', () => {
    const q = tr(`SELECT hr FROM "pulsepet"."telemetry" WHERE thing = 'a' AND '2026-01-01 00:00:00.000000001' >= time`);
    expect(q.sql).toContain(`(${BigInt(Date.parse('2026-01-01T00:00:00Z')) * 1_000_000n + 1n} >= time)`);
    expect(q.params).toEqual(['a']);
  });

  it('fixes now() and ago() at query start in epoch nanoseconds', () => {
    const q = tr(`SELECT time FROM "pulsepet"."telemetry" WHERE time BETWEEN ago(15m) AND now()`);
    const now = BigInt(NOW_MS) * 1_000_000n;
    expect(q.sql).toContain(`BETWEEN ${now - 900_000_000_000n} AND ${now}`);
    expect(q.columns).toEqual([{ name: 'time', type: 'TIMESTAMP' }]);
  });

  it('types aggregates as Timestream does and names unnamed columns _colN', () => {
    const q = tr(
      `SELECT thing, count(*), sum(steps), sum(hr), avg(steps), approx_percentile(steps, 0.9), min(time) FROM "pulsepet"."telemetry" GROUP BY thing`,
    );
    expect(q.columns).toEqual([
      { name: 'thing', type: 'VARCHAR' },
      { name: '_col1', type: 'BIGINT' },
      { name: '_col2', type: 'BIGINT' },
      { name: '_col3', type: 'DOUBLE' },
      { name: '_col4', type: 'DOUBLE' },
      { name: '_col5', type: 'BIGINT' },
      { name: '_col6', type: 'TIMESTAMP' },
    ]);
  });

  it('accepts GROUP BY by ordinal or alias and ORDER BY by alias', () => {
    const a = tr(`SELECT bin(time, 5m) AS b, avg(hr) FROM "pulsepet"."telemetry" GROUP BY 1 ORDER BY b DESC`);
    const b = tr(`SELECT bin(time, 5m) AS b, avg(hr) FROM "pulsepet"."telemetry" GROUP BY b ORDER BY b DESC`);
    expect(a.sql).toBe(b.sql);
    expect(a.sql).toContain('ORDER BY "c0" DESC');
  });

  it('refuses a bare column that is neither aggregated nor grouped', () => {
    expect(fails(`SELECT thing, hr, avg(hr) FROM "pulsepet"."telemetry" GROUP BY thing`).message).toMatch(
      /'hr' must be an aggregate expression or appear in GROUP BY/,
    );
  });

  it('refuses aggregates in WHERE and nested aggregates', () => {
    expect(fails(`SELECT hr FROM "pulsepet"."telemetry" WHERE avg(hr) > 3`).message).toMatch(/not allowed here/);
    expect(fails(`SELECT max(avg(hr)) FROM "pulsepet"."telemetry"`).message).toMatch(/not allowed here/);
  });

  it('keeps integer division integral and compares a timestamp with a timestamp literal', () => {
    expect(tr(`SELECT steps / 2 FROM "pulsepet"."telemetry"`).sql).toContain('(m_2 // 2)');
    const q = tr(`SELECT hr FROM "pulsepet"."telemetry" WHERE time >= '2026-09-21 00:00:00'`);
    expect(q.sql).toContain(`(time >= ${BigInt(Date.UTC(2026, 8, 21)) * 1_000_000n})`);
  });

  it('rejects type errors with ValidationException', () => {
    expect(fails(`SELECT hr FROM "pulsepet"."telemetry" WHERE thing = 3`).type).toBe('ValidationException');
    expect(fails(`SELECT bin(hr, 5m) FROM "pulsepet"."telemetry"`).message).toMatch(/bin\(\) expects/);
  });

  it('resolves unquoted identifiers case-insensitively when unambiguous', () => {
    expect(tr(`SELECT HRVRMSSD FROM "pulsepet"."telemetry"`).sql).toContain('m_3');
  });

  it('expands SELECT * into dimensions, measure_name, time and measures', () => {
    expect(tr(`SELECT * FROM "pulsepet"."telemetry"`).columns.map((c) => c.name)).toEqual([
      'thing',
      'measure_name',
      'time',
      'hr',
      'steps',
      'hrvRmssd',
    ]);
  });
});

describe('Function: parseTimestreamSql', () => {
  it('parses duration literals in every unit', () => {
    const s = parseTimestreamSql(`SELECT hr FROM "a"."b" WHERE time > ago(1d) AND time > ago(2h) AND time > ago(90s) AND time > ago(250ms)`);
    expect(JSON.stringify(s.where, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).toContain('"ns":"86400000000000"');
  });

  it.each([
    ['SELECT hr FROM "pulsepet"."telemetry" UNION SELECT hr FROM "pulsepet"."telemetry"', /UNION|end of query/],
    ['SELECT hr FROM telemetry', /must be qualified/],
    ['DELETE FROM "pulsepet"."telemetry"', /DELETE is not supported/],
    ['SELECT CAST(time AS varchar) FROM "pulsepet"."telemetry"', /CAST from timestamp is not supported/],
    ['SELECT CAST(hr AS json) FROM "pulsepet"."telemetry"', /CAST to json is not supported/],
    ['SELECT hr FROM "pulsepet"."telemetry" WHERE time > now() - INTERVAL \'5\' MINUTE', /INTERVAL/],
  ])('rejects %s', (sql, message) => {
    expect(() => tr(sql)).toThrow(message);
  });
});
