import { describe, expect, it } from 'vitest';
import { resolveBaseline } from './baseline';
import { classifyMinutes } from './minute-state';
import { readinessBand, readinessScore, windowRest } from './readiness';
import { minutes, PERSONAL, REST, RUN } from './test-support';

describe('Function: readinessScore', () => {
  it('is 50 at the wearer’s own normal, with every contributor at zero points', () => {
    const r = readinessScore(resolveBaseline(PERSONAL), { restMinutes: 0 });
    expect(r.score).toBe(50);
    expect(r.band).toBe('normal');
    expect(r.contributors.filter((c) => c.name !== 'skinTemp').map((c) => c.effect)).toEqual([0, 0, 0]);
    expect(r.confidence).toBe('high');
  });

  it('applies R = 50 + 15·(0.4·zHRV − 0.3·zRHR + 0.3·zSleep) and explains each term', () => {
    const b = resolveBaseline({ ...PERSONAL, lnRmssd7d: Math.log(45) - 0.15, restingHr7dBpm: 64, sleepMin7d: 420 });
    const r = readinessScore(b, { restMinutes: 0 });
    // zHRV = −1, zRHR = +2, zSleep = −1 → 50 + 15·(−0.4 − 0.6 − 0.3) = 30.5
    expect(r.score).toBe(31);
    expect(r.band).toBe('low');
    expect(r.contributors.map((c) => [c.name, c.effect])).toEqual([
      ['hrv7d', -6],
      ['restingHr', -9],
      ['sleep', -4.5],
    ]);
    expect(r.missing).toEqual(['skinTemp']);
  });

  it('re-weights over the inputs present and names what is missing', () => {
    const b = resolveBaseline({ days: 30, lnRmssdMean60d: Math.log(45), lnRmssdSd60d: 0.15, lnRmssd7d: Math.log(45) + 0.15, lnRmssd7dDays: 5 });
    const r = readinessScore(b, { restMinutes: 0 });
    expect(r.score).toBe(65); // HRV alone carries the whole weight: 50 + 15·1
    expect(r.missing).toEqual(['restingHr', 'sleep', 'skinTemp']);
    expect(r.confidence).toBe('low');
  });

  it('needs 3 valid days for the 7-day HRV trend', () => {
    const b = resolveBaseline({ ...PERSONAL, lnRmssd7d: 3, lnRmssd7dDays: 2 });
    expect(readinessScore(b, { restMinutes: 0 }).contributors.some((c) => c.name.startsWith('hrv'))).toBe(false);
  });

  it('caps at 33 when skin temperature is ≥ 0.6 °C over its baseline', () => {
    const b = resolveBaseline({ ...PERSONAL, sleepMin7d: 540 });
    const r = readinessScore(b, { restMinutes: 10, skinTempC: 34.2 });
    expect(r.score).toBe(33);
    expect(r.contributors.find((c) => c.name === 'skinTemp')).toMatchObject({ value: 0.7, baseline: 0 });
    expect(r.contributors.find((c) => c.name === 'skinTemp')?.effect).toBeLessThan(0);
  });

  it('caps at 33 when the 7-day HRV falls and resting HR rises by ≥ 1.5 sd together (the fatigue pattern)', () => {
    const ln = (z: number) => Math.log(45) + 0.15 * z;
    const fatigue = resolveBaseline({ ...PERSONAL, lnRmssd7d: ln(-0.8), restingHr7dBpm: 61.6, sleepMin7d: 540 });
    const r = readinessScore(fatigue, { restMinutes: 0 });
    expect(r.score).toBe(33);
    expect(r.contributors.find((c) => c.name === 'fatigueTrend')).toMatchObject({ value: 1.6, baseline: 1.5 });
    expect(r.contributors.find((c) => c.name === 'fatigueTrend')?.effect).toBeLessThan(0);
    // one side alone, or together under 1.5 sd, leaves the score to the formula
    expect(readinessScore(resolveBaseline({ ...PERSONAL, lnRmssd7d: ln(-2), restingHr7dBpm: 59.8, sleepMin7d: 540 }), { restMinutes: 0 }).score).toBeGreaterThan(33);
    expect(readinessScore(resolveBaseline({ ...PERSONAL, lnRmssd7d: ln(-0.6), restingHr7dBpm: 61.6, sleepMin7d: 540 }), { restMinutes: 0 }).score).toBeGreaterThan(33);
  });

  it('for a new wearer uses the population prior, low confidence and no trend', () => {
    const b = resolveBaseline({ days: 1, lnRmssd7d: 2, restingHr7dBpm: 90 });
    const states = classifyMinutes(minutes(10, { ...REST, hrvRmssdMs: 42 }), b).states;
    const r = readinessScore(b, windowRest(states));
    expect(r.calibrating).toBe(true);
    expect(r.confidence).toBe('low');
    expect(r.contributors.map((c) => c.name)).toEqual(['hrvNow']);
  });
});

describe('Function: windowRest', () => {
  it('leaves exercise and the 10 minutes after it out', () => {
    const b = resolveBaseline(PERSONAL);
    const states = classifyMinutes([...minutes(5, RUN), ...minutes(8, REST, Date.UTC(2025, 2, 1, 9, 5))], b).states;
    expect(windowRest(states).restMinutes).toBe(0);
  });
});

describe('Function: readinessBand', () => {
  it.each([
    [0, 'low'],
    [33, 'low'],
    [34, 'normal'],
    [66, 'normal'],
    [67, 'high'],
  ] as const)('%i → %s', (score, band) => expect(readinessBand(score)).toBe(band));
});
