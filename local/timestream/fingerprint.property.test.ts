import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hash53, measureHash } from './fingerprint';
import { parseWriteRecordsRequest, WriteRecordsRequestSchema } from './records';

const odd = fc.constantFrom<unknown>(null, 1, true, [], {}, 'x');
/** Mostly the valid shape, sometimes a wrong value. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 15, arbitrary: valid }, { weight: 1, arbitrary: odd });
const str = fc.string({ maxLength: 8 });
const record = fc.record(
  {
    Dimensions: mostly(fc.array(fc.record({ Name: mostly(str), Value: mostly(str), DimensionValueType: mostly(fc.constant('VARCHAR')) }, { requiredKeys: ['Name', 'Value'] }), { maxLength: 2 })),
    MeasureName: mostly(str),
    MeasureValue: mostly(str),
    MeasureValueType: mostly(fc.constantFrom('DOUBLE', 'MULTI')),
    Time: mostly(fc.nat().map(String)),
    TimeUnit: mostly(fc.constantFrom('MILLISECONDS', 'SECONDS', 'DAYS')),
    Version: mostly(fc.integer({ min: -1, max: 5 })),
    MeasureValues: mostly(fc.array(fc.record({ Name: mostly(str), Value: mostly(str), Type: mostly(str) }), { maxLength: 3 })),
  },
  { requiredKeys: [] },
);
const request = fc.record(
  {
    DatabaseName: mostly(fc.constantFrom('pulsepet', 'ab', 'a b c', 'x'.repeat(257))),
    TableName: mostly(fc.constantFrom('telemetry', 't.1-2_3')),
    CommonAttributes: mostly(record),
    Records: mostly(fc.array(record, { minLength: 0, maxLength: 4 })),
  },
  { requiredKeys: ['DatabaseName', 'TableName', 'Records'] },
);

describe('Function: parseWriteRecordsRequest', () => {
  it('accepts exactly what the WriteRecords schema accepts, with the same content and the same error message', () => {
    fc.assert(
      fc.property(request, (body) => {
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

describe('Function: measureHash', () => {
  it('equals hash53 of name, type and text joined by \\u0001 (stored fingerprints keep their value)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (a, b, c) => {
        expect(measureHash(a, b, c)).toBe(hash53(`${a}\u0001${b}\u0001${c}`));
      }),
    );
  });
});
