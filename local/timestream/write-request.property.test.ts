import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWriteRecordsRequest, WriteRecordsRequestSchema } from './write-request';

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

describe('Function: parseWriteRecordsRequest', () => {
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
