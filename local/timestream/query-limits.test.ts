import { describe, expect, it } from 'vitest';
import { TimestreamError } from './errors';
import { MAX_QUERY_DEPTH, MAX_QUERY_LENGTH } from './query-limits';
import { parseTimestreamSql } from './query-parser';

/** Select expressions `levels` deep, as MAX_QUERY_DEPTH counts them. */
const NESTING: Record<string, (levels: number) => string> = {
  parentheses: (n) => `${'('.repeat(n - 1)}hr${')'.repeat(n - 1)}`,
  'an operator chain': (n) => Array.from({ length: n }, () => 'hr').join(' + '),
  'unary minus': (n) => `${'- '.repeat(n - 1)}hr`,
  NOT: (n) => `${'NOT '.repeat(n - 1)}hr`,
  'function calls': (n) => `${'abs('.repeat(n - 1)}hr${')'.repeat(n - 1)}`,
  'casts': (n) => `${'cast('.repeat(n - 1)}hr${' AS double)'.repeat(n - 1)}`,
};

function failure(sql: string): TimestreamError | undefined {
  try {
    parseTimestreamSql(sql);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(TimestreamError);
    return e as TimestreamError;
  }
}

describe('Timestream query limits', () => {
  describe.each(Object.keys(NESTING))('nesting by %s', (construct) => {
    const at = (levels: number) => `SELECT ${NESTING[construct]?.(levels)} FROM "db"."t"`;

    it(`parses exactly ${MAX_QUERY_DEPTH} levels and refuses one more with a ValidationException naming the limit`, () => {
      expect(failure(at(MAX_QUERY_DEPTH))).toBeUndefined();
      const e = failure(at(MAX_QUERY_DEPTH + 1));
      expect([e?.type, e?.status, e?.code]).toEqual(['ValidationException', 400, 'PP_ERR_SQL']);
      expect(e?.message).toMatch(new RegExp(`^line 1(:\\d+)?: expressions are nested deeper than ${MAX_QUERY_DEPTH} levels`));
    });

    it('refuses 3,000 and 100,000 levels with a ValidationException too, never a RangeError', () => {
      for (const levels of [3000, 100_000]) {
        const sql = at(levels);
        // past 262,144 characters the length check answers first
        expect(failure(sql)?.message).toContain(sql.length > MAX_QUERY_LENGTH ? 'characters long' : `deeper than ${MAX_QUERY_DEPTH} levels`);
      }
    });
  });

  it('bounds WHERE, GROUP BY, HAVING and ORDER BY expressions too', () => {
    const deep = NESTING['an operator chain']?.(MAX_QUERY_DEPTH + 1) ?? '';
    for (const tail of [`WHERE ${deep} > 0`, `GROUP BY ${deep}`, `GROUP BY hr HAVING ${deep} > 0`, `ORDER BY ${deep}`]) {
      expect(failure(`SELECT hr FROM "db"."t" ${tail}`)?.message, tail).toContain('nested deeper than');
    }
  });

  it(`refuses a QueryString longer than ${MAX_QUERY_LENGTH} characters before tokenizing it`, () => {
    const pad = (n: number) => `SELECT hr FROM "db"."t" WHERE thing = '${'x'.repeat(n)}'`;
    const base = pad(0).length;
    expect(failure(pad(MAX_QUERY_LENGTH - base))).toBeUndefined();
    expect(failure(pad(MAX_QUERY_LENGTH - base + 1))?.message).toBe(`QueryString is ${MAX_QUERY_LENGTH + 1} characters long; the maximum is ${MAX_QUERY_LENGTH}.`);
  });
});
