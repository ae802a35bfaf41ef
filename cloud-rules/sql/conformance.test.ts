import { describe, expect, it } from 'vitest';
import { CONFORMANCE_CASES } from './conformance-cases';
import { compileRule, outputBytes, topicMatches } from './index';

describe('IoT SQL conformance (examples from the AWS IoT SQL reference)', () => {
  for (const c of CONFORMANCE_CASES) {
    it(`${c.title} — ${c.page}`, () => {
      const rule = compileRule(c.sql);
      const payload = Buffer.from(
        typeof c.payload === 'object' && c.payload !== null && 'raw' in c.payload && typeof c.payload.raw === 'string'
          ? c.payload.raw
          : JSON.stringify(c.payload),
      );
      const out = topicMatches(rule.topicFilter, c.topic)
        ? rule.evaluate(payload, { topic: c.topic, clientId: c.clientId, timestamp: Date.now() })
        : undefined;
      if ('none' in c.expect) {
        expect(out).toBeUndefined();
        return;
      }
      expect(out).toBeDefined();
      const bytes = outputBytes(out!).toString('utf8');
      if ('raw' in c.expect) expect(bytes).toBe(c.expect.raw);
      else if ('json' in c.expect) expect(JSON.parse(bytes)).toEqual(c.expect.json);
      else expect(c.expect.satisfies(JSON.parse(bytes)), c.expect.description).toBe(true);
    });
  }
});
