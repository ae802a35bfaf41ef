import { describe, expect, it } from 'vitest';
import { checkName, MAX_DIMENSION_NAME_BYTES } from './record-names';
import { asScalarType, parseScalar } from './measure-values';

describe('Function: parseScalar', () => {
  it('types each value: DOUBLE and short BIGINT as numbers, long BIGINT and TIMESTAMP (scaled to ns) as bigints', () => {
    expect(parseScalar('DOUBLE', '72.0', 'hr', 1n)).toBe(72);
    expect(parseScalar('BIGINT', '-12', 'steps', 1n)).toBe(-12);
    expect(parseScalar('BIGINT', '9223372036854775807', 'big', 1n)).toBe(9_223_372_036_854_775_807n);
    expect(parseScalar('TIMESTAMP', '5', 'at', 1_000_000n)).toBe(5_000_000n);
    expect(parseScalar('BOOLEAN', 'TRUE', 'ok', 1n)).toBe(true);
  });

  it('rejects text that is not a value of the type, naming the measure', () => {
    expect(() => parseScalar('DOUBLE', ' ', 'hr', 1n)).toThrow("Measure 'hr': ' ' is not a valid DOUBLE.");
    expect(() => parseScalar('DOUBLE', 'Infinity', 'hr', 1n)).toThrow('is not a valid DOUBLE');
    expect(() => parseScalar('BIGINT', '9223372036854775808', 'n', 1n)).toThrow('is out of range for BIGINT');
    expect(() => parseScalar('VARCHAR', 'é'.repeat(1025), 'v', 1n)).toThrow("Measure 'v' exceeds 2048 bytes.");
  });

  it('defaults a missing type to DOUBLE and refuses types Timestream does not store', () => {
    expect(asScalarType(undefined, 'm')).toBe('DOUBLE');
    expect(() => asScalarType('INT', "Measure 'm'")).toThrow("Measure 'm': unsupported MeasureValueType 'INT'.");
  });
});

describe('Function: checkName', () => {
  it('refuses empty, oversized, reserved and colon names (ts-limits naming constraints)', () => {
    expect(() => checkName('Dimension', '', MAX_DIMENSION_NAME_BYTES)).toThrow('Dimension name cannot be empty.');
    expect(() => checkName('Dimension', 'x'.repeat(61), MAX_DIMENSION_NAME_BYTES)).toThrow('exceeds 60 bytes');
    expect(() => checkName('Measure', 'ts_x', 256)).toThrow("Measure name 'ts_x' is reserved.");
    expect(() => checkName('Measure', 'a:b', 256)).toThrow("cannot contain ':'");
    expect(() => checkName('Measure', 'hr', 256)).not.toThrow();
  });
});
