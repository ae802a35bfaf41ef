import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BatchRecord, buildTelemetryBatch, toBatchRecord } from './batch';
import { TelemetryV1Schema } from './schemas';

describe('Function: toBatchRecord', () => {
  it('splits an input record into sample, context and battery, leaving out what is absent', () => {
    expect(toBatchRecord({ t: 1, hr: 60, steps: 3, context: { weather: 'rain' }, battery: 0.5 })).toEqual({
      s: { t: 1, hr: 60, steps: 3 },
      c: { weather: 'rain' },
      b: 0.5,
    });
    expect(toBatchRecord({ t: 2, hr: 61 })).toStrictEqual({ s: { t: 2, hr: 61 } });
  });
});

describe('Function: buildTelemetryBatch', () => {
  it('carries the samples in order with their summary and the latest context and battery', () => {
    const records: BatchRecord[] = [
      { s: { t: 1, hr: 60 }, c: { weather: 'clear' }, b: 0.9 },
      { s: { t: 2, hr: 80, steps: 4 }, c: { weather: 'rain' } },
      { s: { t: 3, hr: 70 } },
    ];
    const msg = buildTelemetryBatch({ batchId: 'b-1', seq: 7 }, records);
    expect(msg).toEqual({
      v: 1,
      batchId: 'b-1',
      seq: 7,
      samples: [{ t: 1, hr: 60 }, { t: 2, hr: 80, steps: 4 }, { t: 3, hr: 70 }],
      summary: { from: 1, to: 3, n: 3, hrMean: 70, hrMax: 80, stepsSum: 4 },
      context: { weather: 'rain' },
      battery: 0.9,
    });
  });

  it('leaves context and battery out when no record carries them', () => {
    const msg = buildTelemetryBatch({ batchId: 'b-2', seq: 0 }, [{ s: { t: 5, hr: 55 } }]);
    expect('context' in msg).toBe(false);
    expect('battery' in msg).toBe(false);
  });

  it('always builds a message telemetry v1 accepts from valid records', () => {
    const sample = fc.record(
      { t: fc.integer({ min: 1, max: 2 ** 42 }), hr: fc.integer({ min: 20, max: 250 }), steps: fc.integer({ min: 0, max: 500 }) },
      { requiredKeys: ['t', 'hr'] },
    );
    const record = fc.record(
      { s: sample, c: fc.record({ weather: fc.string({ maxLength: 64 }) }), b: fc.double({ min: 0, max: 1, noNaN: true }) },
      { requiredKeys: ['s'] },
    );
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 600 }), fc.nat(), (records, seq) => {
        const msg = buildTelemetryBatch({ batchId: 'b', seq }, records);
        expect(TelemetryV1Schema.safeParse(msg).success).toBe(true);
        expect(msg.summary.n).toBe(records.length);
      }),
      { numRuns: 100 },
    );
  });
});
