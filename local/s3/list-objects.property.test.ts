import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys, SortedKeys } from './key-order';
import { type ListParams, listPage } from './list-objects';

/** What ListObjectsV2 returns over all pages, computed the obvious way (no pagination). */
function model(keys: string[], prefix: string, delimiter: string, startAfter: string): string[] {
  const out: string[] = [];
  for (const k of [...new Set(keys)].sort(compareKeys)) {
    if (!k.startsWith(prefix) || compareKeys(k, startAfter) <= 0) continue;
    const cut = delimiter === '' ? -1 : k.indexOf(delimiter, prefix.length);
    const entry = cut < 0 ? k : `${k.slice(0, cut + delimiter.length)}`;
    if (!out.includes(entry)) out.push(entry);
  }
  return out;
}

/** Every page, following continuation tokens. */
function allPages(sorted: readonly string[], p: Omit<ListParams, 'continuationToken'>): { entries: string[]; pages: number } {
  const entries: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = listPage(sorted, { ...p, continuationToken: token });
    pages++;
    expect(page.contents.length + page.commonPrefixes.length).toBeLessThanOrEqual(p.maxKeys);
    entries.push(...[...page.contents, ...page.commonPrefixes].sort(compareKeys));
    token = page.nextToken;
  } while (token !== undefined && pages < 1000);
  return { entries, pages };
}

const part = fc.constantFrom('a', 'b', 'ab', '/', 'é', '🐱', '\uffee', ' ', '..');
const key = fc.array(part, { minLength: 1, maxLength: 5 }).map((p) => p.join(''));

describe('Function: listPage', () => {
  it('pages through exactly the keys and common prefixes of the unpaginated listing, in UTF-8 order', () => {
    fc.assert(
      fc.property(
        fc.array(key, { maxLength: 40 }),
        fc.constantFrom('', 'a', 'a/', 'ab'),
        fc.constantFrom('', '/', 'b'),
        fc.constantFrom('', 'a', 'b/'),
        fc.integer({ min: 1, max: 5 }),
        (keys, prefix, delimiter, startAfter, maxKeys) => {
          const sorted = new SortedKeys();
          for (const k of keys) sorted.add(k);
          const params = { prefix, delimiter, startAfter, maxKeys, encodingUrl: false, fetchOwner: false };
          const { entries } = allPages(sorted.all, params);
          expect(entries).toEqual(model(keys, prefix, delimiter, startAfter));
        },
      ),
    );
  });
});

describe('Function: compareKeys', () => {
  it('orders keys as their UTF-8 bytes compare', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
    );
  });
});
