import { describe, expect, it } from 'vitest';
import { decode, encode, type Json } from './persistence-records';

describe('Function: encode / decode', () => {
  it('round-trips Buffers at any depth through JSON', () => {
    const packet = { cmd: 'publish', topic: 't', payload: Buffer.from([0, 1, 255]), properties: { correlationData: Buffer.from('c') }, list: [Buffer.from('x'), 1] };
    const json = JSON.parse(JSON.stringify(encode(packet))) as Json;
    expect(decode(json)).toEqual(packet);
  });

  it('drops undefined fields and functions, keeps nulls and falsy values', () => {
    expect(encode({ a: undefined, b: null, c: 0, d: false, e: '', f: () => 1 })).toEqual({ b: null, c: 0, d: false, e: '' });
  });

  it('leaves an object with $b next to other keys as an object', () => {
    expect(decode({ $b: 'AA==', other: 1 })).toEqual({ $b: 'AA==', other: 1 });
  });
});
