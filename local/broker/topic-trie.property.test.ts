import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopicTrie } from './topic-trie';

/** Reference matcher straight from MQTT 3.1.1 §4.7, level by level. */
function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

const level = fc.constantFrom('a', 'b', '$aws', 'things', '');
const topicArb = fc.array(level, { minLength: 1, maxLength: 5 }).map((l) => l.join('/'));
const filterArb = fc
  .tuple(fc.array(fc.constantFrom('a', 'b', '$aws', '+', ''), { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([l, hash]) => (hash ? [...l, '#'] : l).join('/'));

describe('Class: TopicTrie', () => {
  describe('Method: match', () => {
    it('returns exactly the values whose filter matches the topic, as MQTT 3.1.1 §4.7 defines', () => {
      fc.assert(
        fc.property(fc.array(filterArb, { maxLength: 12 }), topicArb, (filters, topic) => {
          const trie = new TopicTrie<number>();
          for (const [i, f] of filters.entries()) trie.add(f, i);
          const expected = filters.flatMap((f, i) => (matches(f, topic) ? [i] : [])).sort((x, y) => x - y);
          expect(trie.match(topic).sort((x, y) => x - y)).toEqual(expected);
        }),
        { numRuns: 500 },
      );
    });

    it('keeps no node for filters whose entries were all removed, and still matches the rest', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(filterArb, fc.boolean()), { maxLength: 12 }), topicArb, (entries, topic) => {
          const trie = new TopicTrie<number>();
          const removers = entries.map(([f], i) => trie.add(f, i));
          for (const [i, [, drop]] of entries.entries()) if (drop) removers[i]?.();
          const kept = entries.flatMap(([f, drop], i) => (drop ? [] : [{ f, i }]));
          const expected = kept.flatMap(({ f, i }) => (matches(f, topic) ? [i] : [])).sort((x, y) => x - y);
          expect(trie.match(topic).sort((x, y) => x - y)).toEqual(expected);
          const levels = new Set(kept.flatMap(({ f }) => f.split('/').map((_, k, all) => all.slice(0, k + 1).join('/'))));
          expect(trie.nodeCount).toBe(levels.size);
          for (const r of removers) r();
          expect(trie.nodeCount).toBe(0);
          expect(trie.size).toBe(0);
        }),
        { numRuns: 500 },
      );
    });

    it('stops matching a value once its remover ran, leaving other entries of the same filter', () => {
      const trie = new TopicTrie<string>();
      const off = trie.add('dt/+/telemetry', 'x');
      trie.add('dt/+/telemetry', 'y');
      off();
      off();
      expect(trie.match('dt/pet/telemetry')).toEqual(['y']);
      expect(trie.size).toBe(1);
    });

    it('does not let a leading wildcard match $-topics, but an explicit $aws filter does', () => {
      const trie = new TopicTrie<string>();
      trie.add('#', 'all');
      trie.add('+/events/#', 'plus');
      trie.add('$aws/events/presence/+/+', 'presence');
      expect(trie.match('$aws/events/presence/connected/pet-1')).toEqual(['presence']);
    });
  });

  describe('Method: has', () => {
    it('is true exactly when match finds a value, with removed entries not counting', () => {
      fc.assert(
        fc.property(fc.array(filterArb, { maxLength: 12 }), fc.array(fc.boolean(), { maxLength: 12 }), topicArb, (filters, drop, topic) => {
          const trie = new TopicTrie<number>();
          for (const [i, f] of filters.entries()) {
            const off = trie.add(f, i);
            if (drop[i] === true) off();
          }
          expect(trie.has(topic)).toBe(trie.match(topic).length > 0);
        }),
        { numRuns: 500 },
      );
    });

    it('lets a leading wildcard match $-topics when asked to, as aedes routing does', () => {
      const trie = new TopicTrie<string>();
      trie.add('#', 'all');
      expect(trie.has('$aws/things/pet-1/shadow/update/accepted')).toBe(false);
      expect(trie.has('$aws/things/pet-1/shadow/update/accepted', { wildcardsMatchDollar: true })).toBe(true);
      const plus = new TopicTrie<string>();
      plus.add('+/things/+/shadow/#', 'plus');
      expect(plus.has('$aws/things/pet-1/shadow/update/delta', { wildcardsMatchDollar: true })).toBe(true);
      expect(plus.has('$aws/things/pet-1/shadow/update/delta')).toBe(false);
    });
  });
});
