import { CreateTopicRuleCommand, GetTopicRuleCommand, type IoTClient } from '@aws-sdk/client-iot';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SQL_DEPTH, MAX_SQL_LENGTH } from '../../cloud-rules/sql/index';
import { MAX_ACTION_FIELD_DEPTH } from '../../cloud-rules/topic-rule-payload';
import { startTopicRuleApi, type TopicRuleApi } from '../../test/support/local/rules';

/** Expressions `levels` deep (as MAX_SQL_DEPTH counts) by three constructs that nest. */
const NESTING = {
  parentheses: (levels: number) => `${'('.repeat(levels - 1)}a${')'.repeat(levels - 1)}`,
  chain: (levels: number) => Array.from({ length: levels }, () => 'a').join(' + '),
  NOT: (levels: number) => `${'NOT '.repeat(levels - 1)}a`,
};

let api: TopicRuleApi;
let iot: IoTClient;

beforeAll(async () => {
  api = await startTopicRuleApi();
  iot = api.iot;
});

afterAll(async () => {
  await api?.close();
});

describe('CreateTopicRule with rule queries nested 1 to 100,000 levels (real client-iot, real gateway)', () => {
  let seq = 0;

  it('creates every rule within the limit and answers SqlParseException 400 past it, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...(Object.keys(NESTING) as Array<keyof typeof NESTING>)), fc.integer({ min: 1, max: 100_000 }), async (construct, levels) => {
        const ruleName = `deep_${++seq}`;
        const sql = `SELECT ${NESTING[construct](levels)} AS x FROM 'deep/in'`;
        const create = iot.send(new CreateTopicRuleCommand({ ruleName, topicRulePayload: { sql, awsIotSqlVersion: '2016-03-23', actions: [] } }));
        if (levels <= MAX_SQL_DEPTH) {
          await create;
          const got = await iot.send(new GetTopicRuleCommand({ ruleName }));
          expect(got.rule?.sql).toBe(sql);
          return;
        }
        const err = (await create.then(
          () => undefined,
          (e: unknown) => e,
        )) as { name: string; message: string; $metadata: { httpStatusCode?: number } } | undefined;
        expect(err, `${construct} ${levels} levels was created`).toBeDefined();
        expect([err?.name, err?.$metadata.httpStatusCode]).toEqual(['SqlParseException', 400]);
        expect(err?.message).toMatch(sql.length > MAX_SQL_LENGTH ? /characters long/ : new RegExp(`nested deeper than ${MAX_SQL_DEPTH} levels`));
      }),
      { numRuns: 40, examples: [['parentheses', MAX_SQL_DEPTH], ['parentheses', MAX_SQL_DEPTH + 1], ['parentheses', 3000], ['chain', 100_000], ['NOT', 5000]] },
    );
  });

  // The SDK serializes its input recursively, so it cannot send much deeper than 1,000 levels itself.
  it('answers InvalidRequestException 400 for an action field nested past 16 levels (stored rules are serialized), never 500', async () => {
    for (const levels of [MAX_ACTION_FIELD_DEPTH, MAX_ACTION_FIELD_DEPTH + 1, 1000]) {
      const ruleName = `deep_action_${levels}`;
      // the field value nests `levels` deep inside the s3 action object
      const value = JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`) as unknown;
      const create = iot.send(
        new CreateTopicRuleCommand({ ruleName, topicRulePayload: { sql: "SELECT * FROM 'deep/in'", actions: [{ s3: { bucketName: 'b', key: 'k', roleArn: 'r', cannedAcl: value } } as never] } }),
      );
      if (levels <= MAX_ACTION_FIELD_DEPTH) {
        await create;
        continue;
      }
      const err = (await create.then(
        () => undefined,
        (e: unknown) => e,
      )) as { name: string; message: string; $metadata: { httpStatusCode?: number } } | undefined;
      expect([err?.name, err?.$metadata.httpStatusCode], `${levels} levels`).toEqual(['InvalidRequestException', 400]);
      expect(err?.message).toContain(`must not nest deeper than ${MAX_ACTION_FIELD_DEPTH} levels`);
    }
  });
});
