import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPulsepetError, type PulsepetError } from '../../protocol/errors';
import { MAX_SAMPLES_PER_BATCH, TelemetryV1Schema } from '../../protocol/telemetry';
import { THING_NAME_RE } from '../../protocol/topics';
import { mutated } from '../../test/support/common/json-mutations';
import { type IngestEvent, isTelemetryV1, parseIngestEvent } from './core';

/**
 * The ingest fast path (`isTelemetryV1` in core.ts) stands in for TelemetryV1Schema on
 * the hot path, about 15x cheaper than zod for a 100-sample batch. These properties
 * hold it to the schema: it accepts exactly what the schema accepts, returns what the
 * schema returns, and a rejected batch is reported with the schema's own problems.
 */

/** A value in [min, max], its bounds more often than chance would pick them. */
const within = (min: number, max: number, integer = false) =>
  fc.oneof(fc.constantFrom(min, max), integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true }));
const anyFinite = fc.double({ noNaN: true, noDefaultInfinity: true });
const anyInt = fc.maxSafeInteger();

const validSample = fc.record(
  {
    t: within(1, Number.MAX_SAFE_INTEGER, true),
    hr: within(20, 250),
    hrvRmssd: within(0, 300),
    steps: within(0, Number.MAX_SAFE_INTEGER, true),
    spo2: within(50, 100),
    skinTempC: within(20, 45),
    accelG: within(0, 16),
  },
  { requiredKeys: ['t', 'hr'], noNullPrototype: true },
);
const validContext = fc.record(
  { altitudeM: anyFinite, ambientTempC: anyFinite, speedKmh: within(0, Number.MAX_VALUE), weather: fc.string({ maxLength: 64 }) },
  { requiredKeys: [], noNullPrototype: true },
);
/** Mostly short batches; now and then one at the 600-sample limit. */
const validSamples = fc.oneof(
  { weight: 20, arbitrary: fc.array(validSample, { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: validSample.map((s) => Array.from({ length: MAX_SAMPLES_PER_BATCH }, () => s)) },
);
const validBatch = fc
  .record(
    {
      v: fc.constant(1),
      batchId: fc.string({ minLength: 1, maxLength: 64 }),
      seq: within(0, Number.MAX_SAFE_INTEGER, true),
      samples: validSamples,
      context: validContext,
      summary: fc.record(
        { from: anyInt, to: anyInt, hrMean: anyFinite, hrMax: anyFinite, hrvRmssd: anyFinite, stepsSum: within(0, Number.MAX_SAFE_INTEGER, true) },
        { requiredKeys: ['from', 'to', 'hrMean', 'hrMax', 'stepsSum'], noNullPrototype: true },
      ),
      battery: within(0, 1),
    },
    { requiredKeys: ['v', 'batchId', 'seq', 'samples', 'summary'], noNullPrototype: true },
  )
  .map((b) => ({ ...b, summary: { ...b.summary, n: b.samples.length } }));
const thing = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('pet-1', 'a:b_c-9', 'x'.repeat(128)) }, { weight: 1, arbitrary: fc.constantFrom('bad thing', '', 'x'.repeat(129), 'pet/1') });

/** What parseIngestEvent does with an event: the parsed event, or the error it threw. */
function run(event: unknown): { ok: true; value: IngestEvent } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: parseIngestEvent(event) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Holds parseIngestEvent to the schema for one batch and thing. */
function agreesWithSchema(batch: unknown, thingName: string): void {
  const expected = TelemetryV1Schema.safeParse(batch);
  const thingOk = THING_NAME_RE.test(thingName);
  const isObject = typeof batch === 'object' && batch !== null && !Array.isArray(batch);
  const got = run(isObject ? { ...batch, thing: thingName } : batch);
  expect(got.ok).toBe(expected.success && thingOk);
  if (got.ok) {
    expect(got.value).toStrictEqual({ thing: thingName, batch: expected.data });
    return;
  }
  // A rejection is the catalogued, non-retryable validation error naming what is wrong.
  expect(isPulsepetError(got.error, 'PP_ERR_VALIDATION')).toBe(true);
  const err = got.error as PulsepetError;
  expect(err.retryable).toBe(false);
  if (!isObject) {
    expect(err.message).toMatch(/must be a JSON object/);
    return;
  }
  expect(err.message).toMatch(/^invalid telemetry v1 batch: /);
  const problems = (err.details as { problems: string[] }).problems;
  const issues = expected.success ? [] : expected.error.issues;
  expect(problems).toEqual([
    ...(thingOk ? [] : ['thing: must be a valid thing name']),
    ...issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'batch'}: ${i.message}`),
  ]);
  expect(err.message).toContain(problems[0]);
}

describe('Function: parseIngestEvent (fast path against TelemetryV1Schema)', () => {
  it('accepts every valid batch and returns exactly what the schema returns', () => {
    fc.assert(
      fc.property(validBatch, (b) => {
        // the fast path itself takes every valid batch: none falls back to zod
        expect(isTelemetryV1(b)).toBe(true);
        agreesWithSchema(b, 'pet-1');
      }),
      { numRuns: 500 },
    );
  });

  it('accepts exactly what the schema accepts when the batch is broken (wrong types, bounds, NaN, missing or stray keys, huge arrays)', () => {
    fc.assert(
      fc.property(mutated(validBatch), thing, (b, t) => agreesWithSchema(b, t)),
      { numRuns: 2000 },
    );
  });

  it('reports a rejected batch with every problem the schema finds, path first', () => {
    const b = { v: 1, batchId: 'b', seq: 0, samples: [{ t: 1, hr: Number.NaN }], summary: { from: 1, to: 1, n: 1, hrMean: 70, hrMax: 70, stepsSum: 0 } };
    const got = run({ ...b, thing: 'pet-1' });
    expect(got.ok).toBe(false);
    expect((got as { error: Error }).error.message).toBe('invalid telemetry v1 batch: samples.0.hr: Invalid input: expected number, received NaN');
  });
});

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
