import { describe, expect, it } from 'vitest';
import { isPulsepetError } from '../../protocol/errors';
import { compileRule } from './index';

function errorOf(sql: string): { message: string; column: unknown } {
  try {
    compileRule(sql);
  } catch (e) {
    expect(isPulsepetError(e, 'PP_ERR_SQL')).toBe(true);
    const err = e as Error & { details?: { column?: unknown } };
    return { message: err.message, column: err.details?.column };
  }
  throw new Error(`expected ${sql} to be rejected`);
}

describe('Function: compileRule', () => {
  describe('rejects SQL outside the subset with the position of the problem', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['SELECT * FROM a/b', 15, /quoted topic filter/],
      ["SELECT bogus(1) FROM 'a/b'", 8, /bogus\(\) is outside the supported subset/],
      ["SELECT * FROM 'a/#/b'", 15, /'#' must be the last level/],
      ["SELECT * FROM 'a/b+'", 15, /'\+' must occupy an entire level/],
      ["SELECT a[0] FROM 'a/b'", 9, /array subscripts/],
      ["SELECT * FROM 'a/b' WHERE a != 1", 29, /use <>/],
      ["SELECT CASE WHEN a = 1 THEN 2 END FROM 'a/b'", 13, /searched CASE/],
      ["SELECT (SELECT a FROM b) FROM 'a/b'", 9, /nested object queries/],
      ["SELECT cast(a AS Float) FROM 'a/b'", 18, /unknown cast type/],
      ["SELECT a FROM 'a/b' WHERE", 26, /expected an expression but found end of input/],
      ["SELECT a FROM 'a/b' LIMIT 1", 21, /unexpected identifier "LIMIT"/],
      ["SELECT 'open FROM 'a/b'", 23, /unterminated string literal/],
      ['DELETE FROM x', 1, /must start with SELECT/],
    ];
    for (const [sql, column, re] of cases) {
      it(`${sql} → column ${column}`, () => {
        const e = errorOf(sql);
        expect(e.message).toMatch(re);
        expect(e.column).toBe(column);
      });
    }
  });

  it('reports line and column on multi-line SQL', () => {
    expect(errorOf("SELECT a\nFROM 'a/b'\nWHERE a >").message).toMatch(/at line 3, column 10/);
  });

  it('keeps the topic filter and treats keywords and function names case-insensitively', () => {
    const r = compileRule("select Upper(color) AS c from 'a/+' where temperature > 1");
    expect(r.topicFilter).toBe('a/+');
    const out = r.evaluate(Buffer.from('{"color":"red","temperature":2}'), { topic: 'a/b', timestamp: 0 });
    expect(out).toEqual({ kind: 'json', value: { c: 'RED' } });
  });

  it('reads a field named value as a field, and SELECT VALUE as the keyword', () => {
    const p = Buffer.from('{"value":3}');
    expect(compileRule("SELECT value FROM 'a'").evaluate(p, { topic: 'a', timestamp: 0 })).toEqual({ kind: 'json', value: { value: 3 } });
    expect(compileRule("SELECT VALUE value FROM 'a'").evaluate(p, { topic: 'a', timestamp: 0 })).toEqual({ kind: 'json', value: 3 });
  });

  it('nests the output under a dotted alias', () => {
    const out = compileRule("SELECT foo.bar AS bar.baz FROM 'a/b'").evaluate(Buffer.from('{"foo":{"bar":1}}'), { topic: 'a/b', timestamp: 0 });
    expect(out).toEqual({ kind: 'json', value: { bar: { baz: 1 } } });
  });

  it('does not change the payload when an alias writes into an object that SELECT * copied', () => {
    const rule = compileRule("SELECT *, 1 AS a.y, a.x AS later FROM 't'");
    const out = rule.evaluate(Buffer.from('{"a":{"x":1}}'), { topic: 't', timestamp: 0 });
    expect(out).toEqual({ kind: 'json', value: { a: { x: 1, y: 1 }, later: 1 } });
  });

  it('keeps a __proto__ payload key as data', () => {
    const out = compileRule("SELECT *, 2 AS z FROM 't'").evaluate(Buffer.from('{"__proto__":{"polluted":true},"k":1}'), { topic: 't', timestamp: 0 });
    expect(out?.kind === 'json' && JSON.stringify(out.value)).toBe('{"__proto__":{"polluted":true},"k":1,"z":2}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('gives principal() the publisher principal and clientid() n/a for non-MQTT messages', () => {
    const out = compileRule("SELECT principal() AS p, clientid() AS c FROM 'a'").evaluate(Buffer.from('{}'), { topic: 'a', timestamp: 0, principal: 'abc123' });
    expect(out).toEqual({ kind: 'json', value: { p: 'abc123', c: 'n/a' } });
  });
});
