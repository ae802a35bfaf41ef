import { describe, expect, it } from 'vitest';
import { validateInput } from './input-record';

describe('Function: validateInput', () => {
  it('returns a valid record as parsed', () => {
    expect(validateInput({ t: 1, hr: 60, context: { weather: 'rain' }, battery: 0.4 })).toEqual({
      ok: true,
      record: { t: 1, hr: 60, context: { weather: 'rain' }, battery: 0.4 },
    });
  });

  it('names every problem by its path, joined into one reason', () => {
    const v = validateInput({ t: 1, hr: 400, context: { speedKmh: -1 } });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    const parts = v.reason.split('; ');
    expect(parts).toHaveLength(2);
    expect(parts[0]).toMatch(/^hr: /);
    expect(parts[1]).toMatch(/^context\.speedKmh: /);
  });

  it('refuses keys the contract does not know and input that is not an object', () => {
    const extra = validateInput({ t: 1, hr: 60, mood: 'happy' });
    expect(extra.ok === false && extra.reason).toMatch(/mood/);
    const notObject = validateInput('60 bpm');
    expect(notObject.ok === false && notObject.reason).not.toMatch(/^: /);
  });
});
