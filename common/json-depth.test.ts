import { describe, expect, it } from 'vitest';
import { exceedsJsonDepth, jsonNestingDepth, valueDepthExceeds } from './json-depth';

function nested(depth: number, open = '[', close = ']'): string {
  return `${open.repeat(depth)}${close.repeat(depth)}`;
}

describe('Function: jsonNestingDepth', () => {
  it.each([
    ['1', 0],
    ['"text"', 0],
    ['[]', 1],
    ['{}', 1],
    ['[1,[2,[3]]]', 3],
    ['{"a":{"b":[1,{"c":null}]}}', 4],
    ['[[1],[2],[3]]', 2],
  ])('measures %s as %i levels deep', (text, depth) => {
    expect(jsonNestingDepth(text)).toBe(depth);
    expect(jsonNestingDepth(Buffer.from(text))).toBe(depth);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ a: '[[[{{{', b: 'say \\"[[\\" and "{{"', c: ['\\', '\\"[', '"]]"'] });
    expect(jsonNestingDepth(text)).toBe(2);
    expect(jsonNestingDepth(Buffer.from(text))).toBe(2);
  });

  it('counts non-ASCII text the same as its UTF-8 bytes', () => {
    const text = JSON.stringify({ 'clé': ['日本語 [', { emoji: '🐾{' }] });
    expect(jsonNestingDepth(text)).toBe(3);
    expect(jsonNestingDepth(Buffer.from(text, 'utf8'))).toBe(3);
  });

  it('stops one level past the limit instead of scanning the rest', () => {
    expect(jsonNestingDepth(nested(100_000), 6)).toBe(7);
    expect(jsonNestingDepth('['.repeat(10_000_000), 64)).toBe(65);
  });

  it('reports the deepest run of unclosed brackets for text that is not JSON', () => {
    expect(jsonNestingDepth('[[[')).toBe(3);
    expect(jsonNestingDepth(']]][[')).toBe(2);
  });
});

describe('Function: exceedsJsonDepth', () => {
  it('accepts exactly the limit and refuses one more level', () => {
    expect(exceedsJsonDepth('{"a":{"b":{"c":{"d":{"e":{"f":1}}}}}}', 6)).toBe(false);
    expect(exceedsJsonDepth(nested(6), 6)).toBe(false);
    expect(exceedsJsonDepth(nested(7), 6)).toBe(true);
  });

  it('refuses 100,000 levels without recursion, as text and as bytes', () => {
    expect(exceedsJsonDepth(nested(100_000), 64)).toBe(true);
    expect(exceedsJsonDepth(Buffer.from(nested(100_000, '{"k":', '}')), 64)).toBe(true);
  });

  it('never flags text no longer than the limit', () => {
    expect(exceedsJsonDepth('[[[[', 4)).toBe(false);
    expect(exceedsJsonDepth('[[[[[', 4)).toBe(true);
  });
});

describe('Function: valueDepthExceeds', () => {
  it.each([
    [1, 0, false],
    [[], 0, true],
    [[], 1, false],
    [{ a: [1, { b: null }] }, 3, false],
    [{ a: [1, { b: null }] }, 2, true],
  ])('measures %j against a limit of %i: %s', (value, max, exceeds) => {
    expect(valueDepthExceeds(value, max)).toBe(exceeds);
  });

  it('measures a value JSON.parse built 100,000 levels deep without a RangeError', () => {
    const value = JSON.parse(nested(100_000, '{"k":', '}').replace('{"k":}', '{}')) as unknown;
    expect(valueDepthExceeds(value, 99_999)).toBe(true);
    expect(valueDepthExceeds(value, 100_000)).toBe(false);
  });
});

