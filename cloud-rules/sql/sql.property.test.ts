import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPulsepetError } from '../../protocol/errors';
import { compileRule, type JsonValue, outputBytes, topicMatches } from './index';

const ctx = { topic: 't/x', timestamp: 1_700_000_000_000 };

function run(sql: string, payload: unknown): unknown {
  const out = compileRule(sql).evaluate(Buffer.from(JSON.stringify(payload)), ctx);
  if (out === undefined) return 'no-output';
  const text = outputBytes(out).toString('utf8');
  return text === '' ? 'undefined' : JSON.parse(text);
}

const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/).filter((k) => !['and', 'or', 'not', 'as', 'from', 'where', 'case', 'when', 'then', 'else', 'end', 'true', 'false', 'null', 'select', 'value'].includes(k));
const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as JsonValue);
const smallInt = fc.integer({ min: -1_000_000, max: 1_000_000 });

describe('IoT SQL properties', () => {
  it('a missing key is dropped from the output and makes every comparison not true', () => {
    fc.assert(
      fc.property(fc.dictionary(key, json), key, smallInt, (obj, k, n) => {
        fc.pre(!Object.hasOwn(obj, k));
        expect(run(`SELECT ${k} FROM 't/x'`, obj)).toEqual({});
        for (const op of ['=', '<>', '<', '<=', '>', '>=']) {
          expect(run(`SELECT * FROM 't/x' WHERE ${k} ${op} ${n}`, obj)).toBe('no-output');
          expect(run(`SELECT * FROM 't/x' WHERE NOT (${k} ${op} ${n})`, obj)).toBe('no-output');
        }
        expect(run(`SELECT VALUE isUndefined(${k}) FROM 't/x'`, obj)).toBe(true);
      }),
    );
  });

  it('exactly one of <, = and > holds between two numbers', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ noNaN: true, noDefaultInfinity: true }), (a, b) => {
        const out = run("SELECT a < b AS lt, a = b AS eq, a > b AS gt, a >= b AS ge FROM 't/x'", { a, b }) as Record<string, boolean>;
        expect([out.lt, out.eq, out.gt].filter(Boolean)).toHaveLength(1);
        expect(out.ge).toBe(!out.lt);
      }),
    );
  });

  it('Int arithmetic round-trips: (a + b) - b = a and (a * b) / b = a', () => {
    fc.assert(
      fc.property(smallInt, smallInt.filter((b) => b !== 0), (a, b) => {
        expect(run("SELECT VALUE (a + b) - b FROM 't/x'", { a, b })).toBe(a);
        expect(run("SELECT VALUE (a * b) / b FROM 't/x'", { a, b })).toBe(a);
        // JSON has no -0, so a zero remainder reads back as 0.
        expect(run("SELECT VALUE a % b FROM 't/x'", { a, b })).toBe(a % b || 0);
      }),
    );
  });

  it('Decimal +, - and * give the exact decimal result, as the 34-digit Decimals of AWS do (0.1 + 0.2 = 0.3)', () => {
    const scaled = fc.integer({ min: -99_999, max: 99_999 });
    fc.assert(
      fc.property(scaled, scaled, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), (ai, bi, ka, kb) => {
        const a = ai / 10 ** ka;
        const b = bi / 10 ** kb;
        const k = Math.max(ka, kb);
        const exactSum = (ai * 10 ** (k - ka) + bi * 10 ** (k - kb)) / 10 ** k;
        const exactDiff = (ai * 10 ** (k - ka) - bi * 10 ** (k - kb)) / 10 ** k;
        const exactProduct = (ai * bi) / 10 ** (ka + kb);
        const out = run("SELECT a + b AS s, a - b AS d, a * b AS p FROM 't/x'", { a, b }) as Record<string, number>;
        expect(out.s).toBe(exactSum || 0);
        expect(out.d).toBe(exactDiff || 0);
        expect(out.p).toBe(exactProduct || 0);
      }),
    );
  });

  it('SELECT * returns any JSON object payload unchanged', () => {
    fc.assert(
      fc.property(fc.dictionary(key, json), (obj) => {
        expect(run("SELECT * FROM 't/x'", obj)).toEqual(obj);
      }),
    );
  });

  it('any JSON value written as a SQL literal evaluates to itself', () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(run(`SELECT VALUE ${JSON.stringify(v)} FROM 't/x'`, {})).toEqual(v);
      }),
    );
  });

  it('a topic filter made by replacing levels with + or cutting with # still matches the topic', () => {
    const level = fc.stringMatching(/^[a-z0-9]{1,6}$/);
    fc.assert(
      fc.property(fc.array(level, { minLength: 1, maxLength: 7 }), fc.nat(), fc.nat(), (levels, plusAt, cutAt) => {
        const topic = levels.join('/');
        expect(topicMatches(topic, topic)).toBe(true);
        const plus = levels.map((l, i) => (i === plusAt % levels.length ? '+' : l)).join('/');
        expect(topicMatches(plus, topic)).toBe(true);
        const cut = [...levels.slice(0, cutAt % levels.length), '#'].join('/');
        expect(topicMatches(cut, topic)).toBe(true);
        expect(topicMatches(`${topic}/+`, topic)).toBe(false);
      }),
    );
  });

  it('compiling arbitrary text either succeeds or fails with PP_ERR_SQL naming a line and column', () => {
    const fragments = fc.constantFrom('SELECT', '*', ',', 'a', 'b.c', 'FROM', "'t/x'", 'WHERE', '>', '=', '(', ')', '1', "'s'", 'AND', 'CASE', 'WHEN', 'THEN', 'END', 'upper(', 'AS', '{', '}', '[', ']', ':');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fragments, { maxLength: 12 }).map((f) => f.join(' '))), (text) => {
        try {
          compileRule(text);
        } catch (e) {
          expect(isPulsepetError(e, 'PP_ERR_SQL')).toBe(true);
          expect((e as Error).message).toMatch(/at line \d+, column \d+ \(offset \d+\)$/);
        }
      }),
    );
  });

  it('evaluation never throws, whatever the payload', () => {
    const sqls = [
      "SELECT a + b AS s, a - b AS d, a * b AS m, a / b AS q, a % b AS r, -a AS n FROM 't/x' WHERE a > b OR NOT (a = b)",
      "SELECT upper(a), lower(b), concat(a, b), get(a, b), cast(a AS Int) AS i, round(a), abs(b), CASE a WHEN b THEN 1 ELSE 2 END AS c FROM 't/x'",
      "SELECT VALUE {'x': a.b.c, 'y': [a, b]} FROM 't/x'",
    ];
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(fc.constantFrom('a', 'b'), json), json, fc.string()), (payload) => {
        for (const sql of sqls) compileRule(sql).evaluate(Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)), ctx);
      }),
    );
  });
});
