import { describe, expect, it } from 'vitest';
import { MAX_ACTION_FIELD_DEPTH, TopicRulePayloadSchema } from './topic-rule-payload';

const nested = (levels: number): unknown => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);
const payload = (action: Record<string, unknown>) => ({ sql: "SELECT * FROM 'a'", actions: [action] });

describe('Schema: TopicRulePayloadSchema', () => {
  it(`keeps action fields it does not model up to ${MAX_ACTION_FIELD_DEPTH} levels deep`, () => {
    const r = TopicRulePayloadSchema.safeParse(payload({ s3: { bucketName: 'b', extra: nested(MAX_ACTION_FIELD_DEPTH) } }));
    expect(r.success).toBe(true);
  });

  it.each([MAX_ACTION_FIELD_DEPTH + 1, 100_000])('refuses an unmodelled action field or republish header nested %i levels, naming the field', (levels) => {
    for (const [action, path] of [
      [{ s3: { bucketName: 'b', extra: nested(levels) } }, 'actions.0.s3.extra'],
      [{ republish: { topic: 't', roleArn: 'r', headers: { h: nested(levels) } } }, 'actions.0.republish.headers.h'],
    ] as const) {
      const r = TopicRulePayloadSchema.safeParse(payload(action));
      expect(r.success).toBe(false);
      expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([[path, `must not nest deeper than ${MAX_ACTION_FIELD_DEPTH} levels`]]);
    }
  });
});
