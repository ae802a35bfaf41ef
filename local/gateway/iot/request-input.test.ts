import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gatewayRequest, iotErrorThrownBy } from '../../../test/support/local/gateway';
import { boolQuery, enumQuery, intQuery, jsonBody, parseInput, tagList } from './request-input';

describe('Function: jsonBody', () => {
  const schema = z.object({ target: z.string().min(1) });

  it('parses a valid body and treats an absent body as {}', () => {
    expect(jsonBody(gatewayRequest({ body: { target: 'x' } }), schema)).toEqual({ target: 'x' });
    expect(jsonBody(gatewayRequest(), z.object({ a: z.string().optional() }))).toEqual({});
  });

  it('answers invalid JSON and schema problems with InvalidRequestException', () => {
    expect(iotErrorThrownBy(() => jsonBody(gatewayRequest({ body: '{nope' }), schema))).toBe('InvalidRequestException');
    expect(iotErrorThrownBy(() => jsonBody(gatewayRequest({ body: {} }), schema))).toBe('InvalidRequestException');
  });
});

describe('Function: parseInput', () => {
  it('names every failing path in one message', () => {
    try {
      parseInput(z.object({ a: z.string(), b: z.object({ c: z.number() }) }), { b: { c: 'x' } });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/^a: .*; b\.c: /);
    }
  });

  it('accepts tag lists with or without values', () => {
    expect(parseInput(tagList, [{ Key: 'k' }, { Key: 'k2', Value: 'v' }])).toHaveLength(2);
    expect(iotErrorThrownBy(() => parseInput(tagList, [{ Value: 'v' }]))).toBe('InvalidRequestException');
  });
});

describe('Function: boolQuery', () => {
  it('reads "true"/"false", is undefined when absent, and rejects anything else', () => {
    const req = gatewayRequest({ query: { yes: 'true', no: 'false', maybe: 'TRUE' } });
    expect(boolQuery(req, 'yes')).toBe(true);
    expect(boolQuery(req, 'no')).toBe(false);
    expect(boolQuery(req, 'absent')).toBeUndefined();
    expect(iotErrorThrownBy(() => boolQuery(req, 'maybe'))).toBe('InvalidRequestException');
  });
});

describe('Function: intQuery', () => {
  it('reads integers within bounds only', () => {
    const req = gatewayRequest({ query: { n: '5', low: '0', frac: '1.5' } });
    expect(intQuery(req, 'n', 1, 10)).toBe(5);
    expect(intQuery(req, 'absent', 1, 10)).toBeUndefined();
    expect(iotErrorThrownBy(() => intQuery(req, 'low', 1, 10))).toBe('InvalidRequestException');
    expect(iotErrorThrownBy(() => intQuery(req, 'frac', 1, 10))).toBe('InvalidRequestException');
  });
});

describe('Function: enumQuery', () => {
  const allowed = ['ON', 'OFF'] as const;
  const message = (got: string) => `bad '${got}'`;

  it('returns an allowed value, undefined when absent, or the fallback', () => {
    expect(enumQuery(gatewayRequest({ query: { s: 'ON' } }), 's', allowed, message)).toBe('ON');
    expect(enumQuery(gatewayRequest(), 's', allowed, message)).toBeUndefined();
    expect(enumQuery(gatewayRequest(), 's', allowed, message, 'OFF')).toBe('OFF');
  });

  it('rejects other values with the given message, and an absent required value when the fallback is empty', () => {
    try {
      enumQuery(gatewayRequest({ query: { s: 'DIM' } }), 's', allowed, message);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toBe("bad 'DIM'");
    }
    expect(iotErrorThrownBy(() => enumQuery(gatewayRequest(), 's', allowed, message, ''))).toBe('InvalidRequestException');
  });
});
