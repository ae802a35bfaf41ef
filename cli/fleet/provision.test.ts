import { describe, expect, it } from 'vitest';
import type { Undo } from './certificate';
import { bulkNames, pool, rollbackOutcome } from './provision';

describe('Function: rollbackOutcome', () => {
  it('says whether anything was created and whether the rollback finished', () => {
    const undo: Undo = { what: 'x', run: async () => {} };
    expect(rollbackOutcome([], [])).toBe('nothing was created');
    expect(rollbackOutcome([undo], [])).toBe('rolled back everything it created');
    expect(rollbackOutcome([undo], ['x', 'y'])).toBe('rollback incomplete, left behind: x; y');
  });
});

describe('Function: bulkNames', () => {
  it('numbers from 1 with at least four digits, wider when the count needs it', () => {
    expect(bulkNames('p', 2)).toEqual(['p-0001', 'p-0002']);
    expect(bulkNames('p', 12_345).at(-1)).toBe('p-12345');
  });
});

describe('Function: pool', () => {
  it('runs every item with at most `concurrency` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await pool([1, 2, 3, 4, 5], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(n);
      inFlight--;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
  });
});
