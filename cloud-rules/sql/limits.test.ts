import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPulsepetError } from '../../protocol/errors';
import { compileTemplate } from '../substitution';
import { compileRule, MAX_PAYLOAD_DEPTH, MAX_SQL_DEPTH, MAX_SQL_LENGTH, messageEnv } from './index';

/** Rule queries `levels` deep by each construct that nests (see MAX_SQL_DEPTH). */
const NESTING = {
  parentheses: (levels: number) => `${'('.repeat(levels - 1)}a${')'.repeat(levels - 1)}`,
  'an operator chain': (levels: number) => Array.from({ length: levels }, () => 'a').join(' + '),
  'unary minus': (levels: number) => `${'- '.repeat(levels - 1)}a`,
  NOT: (levels: number) => `${'NOT '.repeat(levels - 1)}a`,
  'a member chain': (levels: number) => `a${'.b'.repeat(levels - 1)}`,
  'function calls': (levels: number) => `${'abs('.repeat(levels - 1)}a${')'.repeat(levels - 1)}`,
  'array literals': (levels: number) => `${'['.repeat(levels - 1)}a${']'.repeat(levels - 1)}`,
} as const;

type Construct = keyof typeof NESTING;
const CONSTRUCTS = Object.keys(NESTING) as Construct[];

function sqlError(sql: string): { message: string; column: unknown } | undefined {
  try {
    compileRule(sql);
    return undefined;
  } catch (e) {
    expect(isPulsepetError(e, 'PP_ERR_SQL'), String(e)).toBe(true);
    return { message: (e as Error).message, column: (e as { details?: { column?: unknown } }).details?.column };
  }
}

const ctx = { topic: 'a/b', timestamp: 0 };

describe('IoT SQL limits', () => {
  describe.each(CONSTRUCTS)('nesting by %s', (construct) => {
    it(`accepts exactly ${MAX_SQL_DEPTH} levels and refuses ${MAX_SQL_DEPTH + 1} with PP_ERR_SQL naming the limit and a position`, () => {
      const at = (levels: number) => `SELECT ${NESTING[construct](levels)} AS x FROM 'a/b'`;
      expect(sqlError(at(MAX_SQL_DEPTH))).toBeUndefined();
      const e = sqlError(at(MAX_SQL_DEPTH + 1));
      expect(e?.message).toMatch(new RegExp(`nested deeper than ${MAX_SQL_DEPTH} levels.* at line 1, column \\d+`));
      expect(typeof e?.column).toBe('number');
    });
  });

  it(`evaluates a query at the limit: an operator chain of ${MAX_SQL_DEPTH} terms`, () => {
    const rule = compileRule(`SELECT ${NESTING['an operator chain'](MAX_SQL_DEPTH)} AS x FROM 'a/b'`);
    expect(rule.evaluate(Buffer.from('{"a":2}'), ctx)).toEqual({ kind: 'json', value: { x: 2 * MAX_SQL_DEPTH } });
  });

  it('bounds the nesting of substitution templates the same way', () => {
    expect(() => compileTemplate(`t/\${${NESTING.parentheses(MAX_SQL_DEPTH)}}`)).not.toThrow();
    expect(() => compileTemplate(`t/\${${NESTING.parentheses(5000)}}`)).toThrow(/nested deeper than 128 levels/);
  });

  it(`refuses a statement longer than ${MAX_SQL_LENGTH} characters before tokenizing it`, () => {
    const pad = (n: number) => `SELECT a FROM 'a/b' WHERE a = '${'x'.repeat(n)}'`;
    const base = pad(0).length;
    expect(sqlError(pad(MAX_SQL_LENGTH - base))).toBeUndefined();
    expect(sqlError(pad(MAX_SQL_LENGTH - base + 1))?.message).toBe(
      `the SQL statement is ${MAX_SQL_LENGTH + 1} characters long; the local rules engine accepts at most ${MAX_SQL_LENGTH}`,
    );
  });

  it('property: any construct nested 1 to 100,000 levels compiles within the limit and is refused past it, never a RangeError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CONSTRUCTS), fc.integer({ min: 1, max: 100_000 }), (construct, levels) => {
        const sql = `SELECT ${NESTING[construct](levels)} AS x FROM 'a/b'`;
        const e = sqlError(sql);
        if (levels <= MAX_SQL_DEPTH) expect(e).toBeUndefined();
        else if (sql.length > MAX_SQL_LENGTH) expect(e?.message).toMatch(/characters long/);
        else expect(e?.message).toMatch(/nested deeper than/);
      }),
      { numRuns: 100, examples: [['parentheses', 3000], ['an operator chain', 100_000], ['NOT', MAX_SQL_DEPTH + 1]] },
    );
  });
});

describe('Payload nesting (messageEnv)', () => {
  const deep = (depth: number) => Buffer.from(`{"a":${'['.repeat(depth - 1)}0${']'.repeat(depth - 1)}}`);

  it(`evaluates SELECT * on a payload exactly ${MAX_PAYLOAD_DEPTH} levels deep and refuses one level more`, () => {
    const rule = compileRule("SELECT * FROM 'a/b'");
    const ok = deep(MAX_PAYLOAD_DEPTH);
    expect(rule.evaluate(ok, ctx)).toEqual({ kind: 'json', value: JSON.parse(ok.toString()) });
    expect(() => rule.evaluate(deep(MAX_PAYLOAD_DEPTH + 1), ctx)).toThrow(`the payload is JSON nested deeper than ${MAX_PAYLOAD_DEPTH} levels`);
    expect(messageEnv(deep(100_000), ctx)).toMatchObject({ unevaluable: expect.stringContaining('nested deeper') });
  });

  it('still treats text that is not JSON as binary, however many brackets it holds', () => {
    const binary = Buffer.from('['.repeat(100_000));
    const env = messageEnv(binary, ctx);
    expect(env.unevaluable).toBeUndefined();
    expect(compileRule("SELECT * FROM 'a/b'").evaluate(binary, ctx)).toEqual({ kind: 'binary', bytes: binary });
  });
});
