import { describe, expect, it } from 'vitest';
import { isPulsepetError } from '../../protocol/errors';
import type { CallExpr, Typed } from './query-call';
import { translateScalarCall } from './query-functions';
import type { Expr } from './query-parser';

const call = (name: string, ...args: Expr[]): CallExpr => ({ k: 'call', name, args, star: false, distinct: false, pos: 0 });
/** Arguments: `ts` a timestamp column, `d` a double, `n` a bigint, `s` a varchar, durations as themselves. */
const expr = (x: Expr): Typed => {
  if (x.k === 'dur') return { sql: x.ns.toString(), type: 'INTERVAL', agg: false };
  if (x.k === 'str') return { sql: `'${x.v}'`, type: 'VARCHAR', agg: false };
  const name = x.k === 'col' ? x.name : '';
  const type = ({ ts: 'TIMESTAMP', d: 'DOUBLE', n: 'BIGINT', s: 'VARCHAR' } as const)[name] ?? 'UNKNOWN';
  return { sql: name, type, agg: false };
};
const col = (name: string): Expr => ({ k: 'col', name, pos: 0 });
const NOW = 1_790_000_000_000_000_000n;
const tr = (e: CallExpr) => translateScalarCall(e, expr, NOW);

describe('Function: translateScalarCall', () => {
  it('bins a timestamp down to a multiple of the duration, also before 1970', () => {
    expect(tr(call('bin', col('ts'), { k: 'dur', ns: 60_000_000_000n, raw: '1m' }))).toEqual({
      sql: '(ts - ((ts % 60000000000) + 60000000000) % 60000000000)',
      type: 'TIMESTAMP',
      agg: false,
    });
  });

  it('reads from_iso8601_timestamp() without an offset as UTC, the session zone of Timestream, whatever the process zone', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      const at = (s: string) => tr(call('from_iso8601_timestamp', { k: 'str', v: s })).sql;
      const utcNs = (Date.UTC(2026, 11, 5, 10, 0) * 1e6).toString();
      expect(at('2026-12-05T10:00:00')).toBe(utcNs);
      expect(at('2026-12-05T10:00:00.000Z')).toBe(utcNs);
      expect(at('2026-12-05T05:00:00-05:00')).toBe(utcNs);
      expect(at('2026-12-05')).toBe((Date.UTC(2026, 11, 5) * 1e6).toString());
      expect(() => at('5 Dec 2026')).toThrow('from_iso8601_timestamp() expects an ISO 8601 string literal.');
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('answers ago(15m) with now() minus the duration, as a literal', () => {
    expect(tr(call('ago', { k: 'dur', ns: 900_000_000_000n, raw: '15m' })).sql).toBe((NOW - 900_000_000_000n).toString());
  });

  it('keeps the argument type for abs/floor/ceil and answers DOUBLE for ln/sqrt', () => {
    expect(tr(call('abs', col('n'))).type).toBe('BIGINT');
    expect(tr(call('ceiling', col('d'))).sql).toBe('ceil(d)');
    expect(tr(call('sqrt', col('n'))).type).toBe('DOUBLE');
  });

  it('widens greatest() of a bigint and a double to DOUBLE and refuses mixed kinds', () => {
    expect(tr(call('greatest', col('n'), col('d'))).type).toBe('DOUBLE');
    expect(() => tr(call('coalesce', col('s'), col('d')))).toThrow('coalesce() arguments must share a type.');
  });

  it('names the function and what it expects when an argument has the wrong type or count', () => {
    expect(() => tr(call('to_milliseconds', col('d')))).toThrow('to_milliseconds() expects a timestamp.');
    expect(() => tr(call('upper', col('d')))).toThrow('upper() expects varchar.');
    expect(() => tr(call('now', col('d')))).toThrow('Function now expects 0 argument(s), got 1.');
  });

  it('reports a function outside the subset, including names of Object.prototype members, as unsupported SQL', () => {
    for (const name of ['sin', 'constructor', 'tostring']) {
      let err: unknown;
      try {
        tr(call(name, col('d')));
      } catch (e) {
        err = e;
      }
      expect(isPulsepetError(err, 'PP_ERR_SQL')).toBe(true);
      expect((err as Error).message).toContain(`Function '${name}'`);
    }
  });
});
