import { describe, expect, it } from 'vitest';
import { isPulsepetError } from '../protocol/errors';
import { entryBytes, LiveEntries } from './outbox-entries';

describe('Function: entryBytes', () => {
  it('counts UTF-8 bytes plus the newline', () => {
    expect(entryBytes('{}')).toBe(3);
    expect(entryBytes('"é"')).toBe(5);
  });
});

describe('Class: LiveEntries', () => {
  it('addresses entries by outbox index from its base and keeps their byte count', () => {
    const live = new LiveEntries(10);
    live.push('a', 111);
    live.push('bb', 222);
    expect(live.base).toBe(10);
    expect(live.line(11)).toBe('bb');
    expect(live.arrivedAt(10)).toBe(111);
    expect(live.bytes).toBe(2 + 3);
  });

  it('moves its base and byte count past what is dropped', () => {
    const live = new LiveEntries(0);
    for (const l of ['a', 'bb', 'ccc']) live.push(l, 0);
    live.dropBelow(2);
    expect(live.base).toBe(2);
    expect(live.line(2)).toBe('ccc');
    expect(live.bytes).toBe(4);
  });

  it('refuses to read an entry past the last one with PP_ERR_INTERNAL', () => {
    const live = new LiveEntries(0);
    live.push('a', 0);
    let err: unknown;
    try {
      live.line(1);
    } catch (e) {
      err = e;
    }
    expect(isPulsepetError(err, 'PP_ERR_INTERNAL')).toBe(true);
  });

  it('keeps addressing right across the cut of a long dead prefix', () => {
    const live = new LiveEntries(0);
    for (let i = 0; i < 10_000; i++) live.push(String(i), i);
    live.dropBelow(6_000);
    live.push('10000', 10_000);
    expect(live.line(6_000)).toBe('6000');
    expect(live.line(10_000)).toBe('10000');
    expect(live.arrivedAt(9_999)).toBe(9_999);
    expect(live.bytes).toBe([...Array(4_001).keys()].reduce((n, k) => n + entryBytes(String(6_000 + k)), 0));
  });

  it('reports 0 as the arrival of an entry it does not hold', () => {
    expect(new LiveEntries(0).arrivedAt(5)).toBe(0);
  });
});
