import { describe, expect, it } from 'vitest';
import { BODY_LIMITS, bodyLimitFor, declaredLength, MAX_BODY_BYTES } from './body-limits';

describe('Function: bodyLimitFor', () => {
  it('gives each signing name its own limit and any other name the overall maximum', () => {
    expect(bodyLimitFor('iotdata')).toBe(128 * 1024);
    expect(bodyLimitFor('iot')).toBe(1024 * 1024);
    expect(bodyLimitFor('timestream')).toBe(4 * 1024 * 1024);
    expect(bodyLimitFor('cognito-identity')).toBe(64 * 1024);
    expect(bodyLimitFor('bedrock')).toBe(MAX_BODY_BYTES);
  });

  it('never goes above the overall maximum it is given', () => {
    expect(bodyLimitFor('iot', 8)).toBe(8);
    for (const limit of Object.values(BODY_LIMITS)) expect(limit).toBeLessThanOrEqual(MAX_BODY_BYTES);
  });
});

describe('Function: declaredLength', () => {
  it('reads Content-Length, and nothing for a chunked body or a missing length', () => {
    expect(declaredLength({ 'content-length': '42' })).toBe(42);
    expect(declaredLength({ 'content-length': '0' })).toBe(0);
    expect(declaredLength({})).toBeUndefined();
    expect(declaredLength({ 'transfer-encoding': 'chunked' })).toBeUndefined();
    expect(declaredLength({ 'content-length': 'x' })).toBeUndefined();
  });
});
