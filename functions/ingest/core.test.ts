import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPulsepetError, PulsepetError } from '../../protocol/errors';
import { chunk, parseIngestEvent, toRecords } from './core';
import { batchEvent } from '../../test/support/functions/ingest';

describe('Function: parseIngestEvent', () => {
  it('accepts a telemetry v1 batch plus the thing added by the rule', () => {
    const e = parseIngestEvent(batchEvent('pet-1', [{ t: 1_790_000_000_000, hr: 70 }]));
    expect(e.thing).toBe('pet-1');
    expect(e.batch.samples).toHaveLength(1);
  });

  it('rejects a bad batch with a non-retryable PP_ERR_VALIDATION listing every problem', () => {
    const bad = { ...batchEvent('pet 1', [{ t: 1, hr: 999 }]), v: 2 };
    let err: unknown;
    try {
      parseIngestEvent(bad);
    } catch (e) {
      err = e;
    }
    expect(isPulsepetError(err, 'PP_ERR_VALIDATION')).toBe(true);
    const pe = err as PulsepetError;
    expect(pe.retryable).toBe(false);
    expect(pe.message).toMatch(/thing:/);
    expect(pe.message).toMatch(/samples\.0\.hr/);
    expect(pe.message).toMatch(/^invalid telemetry v1 batch: .*\bv\b/);
  });

  it('rejects non-object events', () => {
    expect(() => parseIngestEvent('hello')).toThrow(PulsepetError);
    expect(() => parseIngestEvent([1])).toThrow(/JSON object/);
  });
});

describe('Function: toRecords', () => {
  it('writes one multi-measure vitals record per sample, keyed by thing and sample time, versioned by seq', () => {
    const e = parseIngestEvent(
      batchEvent('pet-1', [
        { t: 1_790_000_000_000, hr: 70, steps: 3, spo2: 98 },
        { t: 1_790_000_001_000, hr: 71.5, hrvRmssd: 40, skinTempC: 33.1, accelG: 1.02 },
      ], 41),
    );
    const { common, records } = toRecords(e);
    expect(common).toEqual({
      Dimensions: [{ Name: 'thing', Value: 'pet-1', DimensionValueType: 'VARCHAR' }],
      MeasureName: 'vitals',
      MeasureValueType: 'MULTI',
      TimeUnit: 'MILLISECONDS',
      Version: 42,
    });
    expect(records).toEqual([
      {
        Time: '1790000000000',
        MeasureValues: [
          { Name: 'hr', Value: '70', Type: 'DOUBLE' },
          { Name: 'steps', Value: '3', Type: 'BIGINT' },
          { Name: 'spo2', Value: '98', Type: 'DOUBLE' },
        ],
      },
      {
        Time: '1790000001000',
        MeasureValues: [
          { Name: 'hr', Value: '71.5', Type: 'DOUBLE' },
          { Name: 'hrvRmssd', Value: '40', Type: 'DOUBLE' },
          { Name: 'skinTempC', Value: '33.1', Type: 'DOUBLE' },
          { Name: 'accelG', Value: '1.02', Type: 'DOUBLE' },
        ],
      },
    ]);
  });
});

describe('Function: chunk', () => {
  it('keeps every item, in order, in chunks of at most the size', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 700 }), fc.integer({ min: 1, max: 150 }), (xs, size) => {
        const parts = chunk(xs, size);
        expect(parts.flat()).toEqual(xs);
        expect(parts.every((p) => p.length >= 1 && p.length <= size)).toBe(true);
        expect(parts.length).toBe(Math.ceil(xs.length / size));
      }),
    );
  });

  it('refuses a non-positive size', () => {
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
});
