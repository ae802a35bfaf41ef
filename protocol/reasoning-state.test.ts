import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MinuteAggregate } from './models';
import {
  decodeReasoningState,
  emptyReasoningState,
  encodeReasoningState,
  parseReasoningState,
  RECENT_BATCHES,
  type ReasoningState,
  WINDOW_MINUTES,
} from './reasoning-state';
import { mergeShadowState } from './shadow-merge';

const T0 = 1_796_400_000_000;
/** JSON has no negative zero either: both layouts write it as 0 */
const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x));

const minute = (t: number): fc.Arbitrary<MinuteAggregate> =>
  fc.record(
    {
      t: fc.constant(t),
      n: fc.integer({ min: 0, max: 600 }),
      dropped: fc.integer({ min: 0, max: 600 }),
      hrMeanBpm: dbl(20, 250),
      hrvRmssdMs: dbl(0, 300),
      steps: dbl(0, 1e6),
      cadenceSpm: dbl(0, 400),
      accelG: dbl(0, 16),
      skinTempC: dbl(20, 45),
    },
    { requiredKeys: ['t', 'n', 'dropped', 'steps'] },
  );

const windowOf = fc
  .uniqueArray(fc.integer({ min: -5_000, max: 5_000 }), { maxLength: WINDOW_MINUTES })
  .chain((ks) => fc.tuple(...[...ks].sort((a, b) => a - b).map((k) => minute(T0 + k * 60_000 + (k % 7 === 0 ? 17 : 0)))));

const state: fc.Arbitrary<ReasoningState> = fc.record(
  {
    minutes: windowOf,
    // any text: spaces, %, %20 written out, lone surrogates
    recentBatches: fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }), { maxLength: RECENT_BATCHES }),
    decision: fc.nat(),
    lastStateHash: fc.string({ maxLength: 64 }),
    lastExerciseEndedAt: fc.integer(),
    energy: fc.record({ day: fc.constant('2026-12-06'), spoons: dbl(0, 12), updatedAt: fc.integer() }),
    counters: fc.record({ batches: fc.nat(), petWrites: fc.nat(), storeQueries: fc.nat() }),
  },
  { requiredKeys: ['minutes', 'recentBatches', 'counters'] },
);

const r = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A full window rounded as minuteAggregates rounds its means, and 48 batch ids. */
function fullState(): ReasoningState {
  return {
    decision: 4_200,
    minutes: Array.from({ length: WINDOW_MINUTES }, (_, i) => ({
      t: T0 + i * 60_000,
      n: 60,
      dropped: i % 2,
      hrMeanBpm: r(62 + (i + 1) / 7, 1),
      hrvRmssdMs: r(41 + i / 3, 1),
      steps: i,
      cadenceSpm: 0,
      accelG: r(1 + (i + 1) / 997, 3),
      skinTempC: r(33 + i / 113, 2),
    })),
    recentBatches: Array.from({ length: RECENT_BATCHES }, (_, i) => `01JEXQ7R${String(i).padStart(4, '0')}ZK3M9T4VWPB2D`), // ULIDs, as the agent names batches
    lastStateHash: 'a'.repeat(16),
    energy: { day: '2026-12-06', spoons: 7.25, level: 7, updatedAt: T0 },
    baseline: { value: { days: 30, restingHrBpm: 58.2, restingHrSdBpm: 2.1, lnRmssdMean60d: 3.9, lnRmssdSd60d: 0.2 }, fetchedAt: T0 },
    counters: { batches: 4_200, petWrites: 190, storeQueries: 12 },
  };
}

/** How many timestamps the shadow service keeps for a document: one per leaf, array elements included. */
function leaves(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + leaves(x), 0);
  if (typeof v === 'object' && v !== null) return Object.values(v).reduce((n: number, x) => n + leaves(x), 0);
  return 1;
}

describe('Function: encodeReasoningState', () => {
  it('reads back exactly what it wrote, for any window and any batch ids', () => {
    fc.assert(
      fc.property(state, (s) => {
        const doc = JSON.parse(JSON.stringify(encodeReasoningState(s)));
        expect(decodeReasoningState(doc)).toEqual(s);
      }),
      { numRuns: 300 },
    );
  });

  it('writes a full state in less than half the bytes and a fifteenth of the leaves of layout 1', () => {
    const s = fullState();
    const v2 = encodeReasoningState(s);
    const v1 = { v: 1, ...s };
    expect(JSON.stringify(v2).length).toBeLessThan(JSON.stringify(v1).length / 2);
    expect(leaves(v2)).toBeLessThan(leaves(v1) / 15);
    expect(v2.v).toBe(2);
  });
});

describe('Function: parseReasoningState', () => {
  it('reads a state an earlier version wrote in layout 1, and the document the next write merges over it', () => {
    const s = fullState();
    const v1 = JSON.parse(JSON.stringify({ v: 1, ...s }));
    expect(parseReasoningState(v1)).toEqual(s);
    const next = { ...s, decision: 4_201, minutes: s.minutes.slice(1), recentBatches: [...s.recentBatches.slice(1), 'next'] };
    expect(parseReasoningState(mergeShadowState(v1, JSON.parse(JSON.stringify(encodeReasoningState(next)))))).toEqual(next);
  });

  it('gives the empty state for a document it cannot read, and decodeReasoningState says why', () => {
    const good = encodeReasoningState(fullState());
    const [first = '', ...rest] = good.minutes.split(';');
    const bad = [
      { ...good, minutes: [first.split(',').slice(1).join(','), ...rest].join(';') }, // a field short
      { ...good, minutes: [first.replace(/^\d+,60,/, '$&x'), ...rest].join(';') }, // not a number
      { ...good, minutes: [first.replace(/,60,/, ',-1,'), ...rest].join(';') }, // n below 0
      { ...good, minutes: [first.replace(/,60,0,[^,]+,/, ',60,0,Infinity,'), ...rest].join(';') },
      { ...good, recentBatches: 7 },
      { ...good, v: 3 },
      { ...good, extra: true },
      'not a document',
    ];
    for (const doc of bad) {
      expect(parseReasoningState(doc)).toEqual(emptyReasoningState());
      expect(() => decodeReasoningState(doc)).toThrow();
    }
    expect(parseReasoningState(undefined)).toEqual(emptyReasoningState());
    expect(parseReasoningState({ ...good, minutes: '', recentBatches: '' })).toMatchObject({ minutes: [], recentBatches: [] });
  });
});
