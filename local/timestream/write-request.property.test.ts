import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutated } from '../../test/support/common/json-mutations';
import { TimestreamError } from './errors';
import { isWriteRecordsRequest, MAX_RECORDS_PER_WRITE, parseWriteRecordsRequest, TIME_UNITS, WriteRecordsRequestSchema } from './write-request';

/**
 * The WriteRecords fast path (isWriteRecordsRequest) stands in for
 * WriteRecordsRequestSchema on the ingest hot path. These properties hold it to the
 * schema: it accepts exactly what the schema accepts, the request it returns is the one
 * the schema returns, and a rejected body gets the schema's own problems in a
 * ValidationException.
 */

const NAME_CHARS = fc.constantFrom(...'abcXYZ019_.-');
const tsName = fc.string({ unit: NAME_CHARS, minLength: 3, maxLength: 256 });
const str = fc.string({ maxLength: 12 });
const dimension = fc.record({ Name: str, Value: str, DimensionValueType: fc.constant('VARCHAR' as const) }, { requiredKeys: ['Name', 'Value'], noNullPrototype: true });
const measureValue = fc.record({ Name: str, Value: str, Type: fc.constantFrom('DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN', 'TIMESTAMP', 'MULTI', 'x') }, { noNullPrototype: true });
const validRecord = fc.record(
  {
    Dimensions: fc.array(dimension, { maxLength: 3 }),
    MeasureName: str,
    MeasureValue: str,
    MeasureValueType: fc.constantFrom('DOUBLE', 'BIGINT', 'MULTI', 'VARCHAR', ''),
    Time: fc.oneof(fc.nat().map(String), str),
    TimeUnit: fc.constantFrom(...TIME_UNITS),
    Version: fc.oneof(fc.constantFrom(1, Number.MAX_SAFE_INTEGER), fc.integer({ min: 1 })),
    MeasureValues: fc.array(measureValue, { maxLength: 4 }),
  },
  { requiredKeys: [], noNullPrototype: true },
);
/** Mostly a few records; now and then a full request of 100. */
const validRecords = fc.oneof(
  { weight: 20, arbitrary: fc.array(validRecord, { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: validRecord.map((r) => Array.from({ length: MAX_RECORDS_PER_WRITE }, () => r)) },
);
const validRequest = fc.record(
  { DatabaseName: tsName, TableName: tsName, CommonAttributes: validRecord, Records: validRecords },
  { requiredKeys: ['DatabaseName', 'TableName', 'Records'], noNullPrototype: true },
);

/** Holds parseWriteRecordsRequest to the schema (plus its Version >= 1 rule) for one body. */
function agreesWithSchema(body: unknown): void {
  const expected = WriteRecordsRequestSchema.safeParse(body);
  const badVersion = expected.success ? [expected.data.CommonAttributes, ...expected.data.Records].find((r) => (r?.Version ?? 1) < 1) : undefined;
  let got: unknown;
  let error: unknown;
  try {
    got = parseWriteRecordsRequest(body);
  } catch (e) {
    error = e;
  }
  expect(error === undefined).toBe(expected.success && badVersion === undefined);
  if (error === undefined) {
    expect(got).toStrictEqual(expected.data);
    return;
  }
  // A rejection is a ValidationException (HTTP 400) that names each problem and where it is.
  expect(error).toBeInstanceOf(TimestreamError);
  const te = error as TimestreamError;
  expect([te.type, te.status]).toEqual(['ValidationException', 400]);
  if (expected.success) {
    expect(te.message).toBe(`Version must be 1 or greater, got ${badVersion?.Version}.`);
    return;
  }
  const issues = expected.error.issues.map((i) => `Value at '${i.path.join('.') || 'body'}' failed: ${i.message}`);
  expect(te.message).toBe(`${issues.length} validation error(s) detected: ${issues.join('; ')}`);
}

describe('Function: parseWriteRecordsRequest (fast path against WriteRecordsRequestSchema)', () => {
  it('takes every valid request on the fast path and returns exactly what the schema returns', () => {
    fc.assert(
      fc.property(validRequest, (body) => {
        expect(isWriteRecordsRequest(body)).toBe(true);
        agreesWithSchema(body);
      }),
      { numRuns: 500 },
    );
  });

  it('accepts exactly what the schema accepts when the request is broken (wrong types, bounds, NaN, missing or unknown keys, huge arrays)', () => {
    fc.assert(
      fc.property(mutated(validRequest), agreesWithSchema),
      { numRuns: 2000 },
    );
  });

  it('returns the schema’s request without the keys the schema does not know (AWS ignores unknown members)', () => {
    const body = { DatabaseName: 'pulsepet', TableName: 'telemetry', Extra: 1, Records: [{ Time: '1', Junk: { a: 1 } }] };
    expect(parseWriteRecordsRequest(body)).toStrictEqual({ DatabaseName: 'pulsepet', TableName: 'telemetry', Records: [{ Time: '1' }] });
  });

  it('names the field and the problem in a rejected request', () => {
    const body = { DatabaseName: 'pulsepet', TableName: 'telemetry', Records: [{ Time: 1 }] };
    expect(() => parseWriteRecordsRequest(body)).toThrow("1 validation error(s) detected: Value at 'Records.0.Time' failed: Invalid input: expected string, received number");
  });
});

/** Mostly valid bodies with an odd value here and there (the first generator this fast path was checked with). */
const oddValue = fc.constantFrom<unknown>(null, 1, true, [], {}, 'x');
/** Mostly the valid shape, sometimes a wrong value. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 15, arbitrary: valid }, { weight: 1, arbitrary: oddValue });
const shortStr = fc.string({ maxLength: 8 });
const looseRecord = fc.record(
  {
    Dimensions: mostly(fc.array(fc.record({ Name: mostly(shortStr), Value: mostly(shortStr), DimensionValueType: mostly(fc.constant('VARCHAR')) }, { requiredKeys: ['Name', 'Value'] }), { maxLength: 2 })),
    MeasureName: mostly(shortStr),
    MeasureValue: mostly(shortStr),
    MeasureValueType: mostly(fc.constantFrom('DOUBLE', 'MULTI')),
    Time: mostly(fc.nat().map(String)),
    TimeUnit: mostly(fc.constantFrom('MILLISECONDS', 'SECONDS', 'DAYS')),
    Version: mostly(fc.integer({ min: -1, max: 5 })),
    MeasureValues: mostly(fc.array(fc.record({ Name: mostly(shortStr), Value: mostly(shortStr), Type: mostly(shortStr) }), { maxLength: 3 })),
  },
  { requiredKeys: [] },
);
const looseRequest = fc.record(
  {
    DatabaseName: mostly(fc.constantFrom('pulsepet', 'ab', 'a b c', 'x'.repeat(257))),
    TableName: mostly(fc.constantFrom('telemetry', 't.1-2_3')),
    CommonAttributes: mostly(looseRecord),
    Records: mostly(fc.array(looseRecord, { minLength: 0, maxLength: 4 })),
  },
  { requiredKeys: ['DatabaseName', 'TableName', 'Records'] },
);

describe('Function: parseWriteRecordsRequest (mostly-valid bodies)', () => {
  it('accepts exactly what the WriteRecords schema accepts, with the same content and the same error message', () => {
    fc.assert(
      fc.property(looseRequest, (body) => {
        const expected = WriteRecordsRequestSchema.safeParse(body);
        let got: unknown;
        let error: string | undefined;
        try {
          got = parseWriteRecordsRequest(body);
        } catch (e) {
          error = (e as Error).message;
        }
        const badVersion = expected.success && [expected.data.CommonAttributes, ...expected.data.Records].some((r) => (r?.Version ?? 1) < 1);
        expect(error === undefined).toBe(expected.success && !badVersion);
        if (error === undefined) expect(got).toEqual(expected.data);
        else if (!expected.success) expect(error).toMatch(/validation error\(s\) detected/);
      }),
      { numRuns: 1500 },
    );
  });
});
