import { describe, expect, it } from 'vitest';
import { noPositional, UsageError } from '../../common/cli-config';
import { parseDuration, ProvisionFlags, RotateFlags, withPositional } from './flags';

describe('Function: parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['2m', 120_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['0', 0],
    ['1.5', 1_500],
  ])('reads %s as %d ms (a bare number is seconds)', (s, ms) => expect(parseDuration(s)).toBe(ms));

  it('refuses what is not a duration', () => expect(parseDuration('later')).toBeUndefined());
});

describe('Function: withPositional', () => {
  it('puts the one positional under its key and refuses a second', () => {
    expect(withPositional('thing')({ json: true }, ['pet-1'])).toEqual({ json: true, thing: 'pet-1' });
    expect(() => withPositional('thing')({}, ['a', 'b'])).toThrow(UsageError);
  });

  it('noPositional refuses any', () => {
    expect(noPositional({ json: false }, [])).toEqual({ json: false });
    expect(() => noPositional({}, ['x'])).toThrow(UsageError);
  });
});

describe('Schema: ProvisionFlags', () => {
  it('takes either one THING or --count with --prefix', () => {
    expect(ProvisionFlags.safeParse({ thing: 'pet-1' }).success).toBe(true);
    expect(ProvisionFlags.safeParse({ count: '3', prefix: 'p' }).success).toBe(true);
    expect(ProvisionFlags.safeParse({ thing: 'pet-1', count: '3', prefix: 'p' }).success).toBe(false);
    expect(ProvisionFlags.safeParse({ count: '3' }).success).toBe(false);
    expect(ProvisionFlags.safeParse({ count: '3', prefix: 'p', csr: 'x.csr' }).success).toBe(false);
  });
});

describe('Schema: RotateFlags', () => {
  it('reads the grace period and refuses --key without --csr', () => {
    const r = RotateFlags.safeParse({ thing: 'pet-1', grace: '30s' });
    expect(r.success && r.data.grace).toBe(30_000);
    expect(RotateFlags.safeParse({ thing: 'pet-1', key: 'k.pem' }).success).toBe(false);
  });
});
