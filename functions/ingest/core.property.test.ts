import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TelemetryV1Schema } from '../../protocol/telemetry';
import { THING_NAME_RE } from '../../protocol/topics';
import { parseIngestEvent } from './core';

/** Numbers around every bound of the schema, plus values of the wrong kind. */
const edgy = fc.oneof(
  fc.constantFrom(-1, 0, 1, 0.5, 15, 16, 16.5, 19.9, 20, 45, 45.1, 49, 50, 64, 65, 100, 101, 250, 251, 300, 301, 1e21, Number.NaN),
  fc.integer({ min: -10, max: 400 }),
  fc.double({ noNaN: false }),
  fc.constantFrom('70', null, true, undefined, [], {}),
);
/** Mostly values in [min, max] (bounds included), sometimes anything from `edgy`. */
const field = (min: number, max: number, integer = false) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(min, max) },
    { weight: 2, arbitrary: fc.constantFrom(min - 1, max + 1, min - 0.001, max + 0.001) },
    { weight: 12, arbitrary: integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true }) },
    { weight: 1, arbitrary: edgy },
  );
/** Mostly valid `valid`, now and then anything. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 20, arbitrary: valid }, { weight: 1, arbitrary: edgy });
/** Sometimes adds a key the strict schema does not know. */
const withStray = <T extends object>(arb: fc.Arbitrary<T>) =>
  fc.tuple(arb, fc.nat(11), edgy).map(([o, dice, stray]) => (dice === 0 ? { ...o, stray } : o));
const sample = withStray(
  fc.record(
    {
      t: field(1, 2e12, true),
      hr: field(20, 250),
      hrvRmssd: field(0, 300),
      steps: field(0, 1e6, true),
      spo2: field(50, 100),
      skinTempC: field(20, 45),
      accelG: field(0, 16),
    },
    { requiredKeys: ['t', 'hr'] },
  ),
);
const batch = withStray(
  fc.record(
    {
      v: fc.constantFrom<unknown>(1, 1, 1, 1, 1, 1, 2, '1'),
      batchId: mostly(fc.string({ minLength: 0, maxLength: 66 })),
      seq: mostly(fc.nat()),
      samples: fc.array(sample, { minLength: 0, maxLength: 3 }),
      context: withStray(
        fc.record({ altitudeM: field(-500, 9000), speedKmh: field(0, 90), weather: mostly(fc.string({ maxLength: 66 })) }, { requiredKeys: [] }),
      ),
      summaryN: fc.tuple(fc.nat(11), fc.integer({ min: 0, max: 4 })).map(([dice, n]) => (dice === 0 ? n : null)),
      battery: field(0, 1),
    },
    { requiredKeys: ['v', 'batchId', 'seq', 'samples'] },
  ),
).map(({ summaryN, ...b }) => ({
  ...b,
  summary: { from: 1, to: 2, n: summaryN ?? b.samples.length, hrMean: 70, hrMax: 80, stepsSum: 3 },
}));

describe('Function: parseIngestEvent (fast path)', () => {
  it('accepts exactly the batches the telemetry v1 schema accepts, and returns what the schema returns', () => {
    fc.assert(
      fc.property(batch, fc.constantFrom('pet-1', 'bad thing', ''), (b, thing) => {
        const expected = TelemetryV1Schema.safeParse(b);
        const ok = expected.success && THING_NAME_RE.test(thing);
        let got: ReturnType<typeof parseIngestEvent> | undefined;
        try {
          got = parseIngestEvent({ ...b, thing });
        } catch {
          got = undefined;
        }
        expect(got !== undefined).toBe(ok);
        if (got && expected.success) expect(got.batch).toEqual(expected.data);
      }),
      { numRuns: 2000 },
    );
  });
});
