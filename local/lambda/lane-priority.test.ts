import { describe, expect, it } from 'vitest';
import { LanePriority } from './lane-priority';

describe('Class: LanePriority', () => {
  it('gives every function its full concurrency when no function comes first', () => {
    const p = new LanePriority(undefined, 64);
    expect(p.observe('ingest', 10_000)).toBe(false);
    expect(p.limit('ingest')).toBe(64);
    expect(p.limit('reasoning')).toBe(64);
    expect(p.yielding).toBe(false);
  });

  it('yields the other functions at the backlog mark and resumes them under half of it', () => {
    const p = new LanePriority({ functions: ['ingest'], backlog: 100, yieldedConcurrency: 4 }, 64);
    expect(p.observe('ingest', 99)).toBe(false);
    expect(p.limit('reasoning')).toBe(64);
    expect(p.observe('ingest', 100)).toBe(false);
    expect(p.yielding).toBe(true);
    expect(p.limit('reasoning')).toBe(4);
    expect(p.limit('ingest')).toBe(64);
    // near the mark nothing flips
    expect(p.observe('ingest', 60)).toBe(false);
    expect(p.yielding).toBe(true);
    // under half: the end of the spell is reported once
    expect(p.observe('ingest', 49)).toBe(true);
    expect(p.observe('ingest', 10)).toBe(false);
    expect(p.limit('reasoning')).toBe(64);
    expect(p.yieldSpells).toBe(1);
  });

  it('ignores the backlog of functions that do not come first', () => {
    const p = new LanePriority({ functions: ['ingest'], backlog: 10 }, 64);
    expect(p.observe('reasoning', 5_000)).toBe(false);
    expect(p.yielding).toBe(false);
  });

  it('keeps yielding while any first function is still over half the mark', () => {
    const p = new LanePriority({ functions: ['a', 'b'], backlog: 10, yieldedConcurrency: 2 }, 8);
    p.observe('a', 12);
    p.observe('b', 9);
    expect(p.observe('a', 0)).toBe(false);
    expect(p.yielding).toBe(true);
    expect(p.observe('b', 4)).toBe(true);
  });

  it('never yields to more than the full concurrency', () => {
    const p = new LanePriority({ functions: ['ingest'], backlog: 1, yieldedConcurrency: 100 }, 8);
    p.observe('ingest', 1);
    expect(p.limit('other')).toBe(8);
  });
});
