import { describe, expect, it } from 'vitest';
import { breakValue, type FillSource, fillSchema, type JsonSchema, schemaViolations } from './json-schema-fill';

const source: FillSource = {
  text: (name) => (name === 'message' ? 'x'.repeat(500) : undefined),
  number: (name) => (name === 'score' ? 250 : undefined),
  choice: (name, options) => (name === 'mood' ? options[1] : undefined),
};

const SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    message: { type: 'string', maxLength: 280 },
    code: { type: 'string', minLength: 3 },
    mood: { enum: ['calm', 'tired'] },
    score: { type: 'number', minimum: 0, maximum: 100 },
    level: { type: 'integer', minimum: 1.5, maximum: 4 },
    ok: { type: 'boolean' },
    list: { type: 'array', items: { type: 'integer', minimum: 2 }, minItems: 2 },
  },
  required: ['message', 'mood'],
};

describe('fillSchema / schemaViolations', () => {
  it('fills a value that satisfies the schema, bounded by its limits', () => {
    const v = fillSchema(SCHEMA, source) as Record<string, unknown>;
    expect(schemaViolations(SCHEMA, v)).toEqual([]);
    expect(String(v.message)).toHaveLength(280);
    expect(v).toMatchObject({ code: 'code', mood: 'tired', score: 100, level: 2, ok: false, list: [2, 2] });
  });

  it('names every violation with its path', () => {
    const bad = { mood: 'angry', score: -1, level: 2.5, ok: 'yes', list: [1], code: 'ab' };
    expect(schemaViolations(SCHEMA, bad).sort()).toEqual(
      [
        '$.message: required',
        '$.mood: not one of ["calm","tired"]',
        '$.score: below 0',
        '$.level: expected an integer',
        '$.ok: expected a boolean',
        '$.list: fewer than 2 items',
        '$.list[0]: below 2',
        '$.code: shorter than 3',
      ].sort(),
    );
    expect(schemaViolations(SCHEMA, [])).toEqual(['$: expected an object']);
  });

  it('breakValue makes a valid value invalid', () => {
    const v = fillSchema(SCHEMA, source);
    expect(schemaViolations(SCHEMA, breakValue(SCHEMA, v))).not.toEqual([]);
    const optional: JsonSchema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(schemaViolations(optional, breakValue(optional, fillSchema(optional, source)))).not.toEqual([]);
    expect(schemaViolations({ type: 'string' }, breakValue({ type: 'string' }, 'a'))).not.toEqual([]);
  });
});
