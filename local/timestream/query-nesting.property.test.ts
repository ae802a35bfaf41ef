import { QueryCommand } from '@aws-sdk/client-timestream-query';
import { CreateDatabaseCommand, CreateTableCommand, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTimestream, type TestTimestream } from '../../test/support/local/timestream';
import { MAX_QUERY_DEPTH, MAX_QUERY_LENGTH } from './query-limits';

/**
 * Select expressions `levels` deep (as MAX_QUERY_DEPTH counts) over the column hr = 60,
 * with the value each must give.
 */
const NESTING = {
  parentheses: { sql: (levels: number) => `${'('.repeat(levels - 1)}hr${')'.repeat(levels - 1)}`, value: () => 60 },
  chain: { sql: (levels: number) => Array.from({ length: levels }, () => 'hr').join(' + '), value: (levels: number) => 60 * levels },
  'unary minus': { sql: (levels: number) => `${'- '.repeat(levels - 1)}hr`, value: (levels: number) => (levels % 2 === 1 ? 60 : -60) },
};
type Construct = keyof typeof NESTING;

let ts: TestTimestream;

beforeAll(async () => {
  ts = await startTestTimestream();
  await ts.write.send(new CreateDatabaseCommand({ DatabaseName: 'deep' }));
  await ts.write.send(new CreateTableCommand({ DatabaseName: 'deep', TableName: 'vitals' }));
  await ts.write.send(
    new WriteRecordsCommand({
      DatabaseName: 'deep',
      TableName: 'vitals',
      Records: [
        {
          Dimensions: [{ Name: 'thing', Value: 'pet-1' }],
          MeasureName: 'vitals',
          MeasureValueType: 'MULTI',
          MeasureValues: [{ Name: 'hr', Value: '60', Type: 'DOUBLE' }],
          Time: String(Date.now()),
        },
      ],
    }),
  );
});

afterAll(async () => {
  await ts?.close();
});

describe('Timestream Query with expressions nested 1 to 100,000 levels (real client-timestream-query, real gateway)', () => {
  it('answers rows within the limit and ValidationException 400 naming the limit past it, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...(Object.keys(NESTING) as Construct[])), fc.integer({ min: 1, max: 100_000 }), async (construct, levels) => {
        const expr = NESTING[construct];
        const sql = `SELECT ${expr.sql(levels)} AS x FROM "deep"."vitals"`;
        const query = ts.query.send(new QueryCommand({ QueryString: sql }));
        if (levels <= MAX_QUERY_DEPTH) {
          const out = await query;
          expect(Number(out.Rows?.[0]?.Data?.[0]?.ScalarValue)).toBe(expr.value(levels));
          return;
        }
        const err = (await query.then(
          () => undefined,
          (e: unknown) => e,
        )) as { name: string; message: string; $metadata: { httpStatusCode?: number } } | undefined;
        expect(err, `${construct} ${levels} levels was answered`).toBeDefined();
        expect([err?.name, err?.$metadata.httpStatusCode]).toEqual(['ValidationException', 400]);
        if (sql.length <= MAX_QUERY_LENGTH) expect(err?.message).toContain(`nested deeper than ${MAX_QUERY_DEPTH} levels`);
      }),
      { numRuns: 40, examples: [['parentheses', MAX_QUERY_DEPTH], ['parentheses', 3000], ['chain', MAX_QUERY_DEPTH], ['chain', MAX_QUERY_DEPTH + 1], ['unary minus', 100_000]] },
    );
  });
});
