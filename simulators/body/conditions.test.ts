import { describe, expect, it } from 'vitest';
import { SampleSchema, type Sample } from '../../protocol/telemetry';
import { dayKind, generateDay } from './days';
import { generateHistory, NORMAL_DAYS, personaOnDay } from './history';
import { persona } from './personas';
import { CONDITION_SCENARIOS, generateScenario, SCENARIOS } from './scenarios';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const field = (s: Sample[], k: 'hr' | 'hrvRmssd' | 'skinTempC' | 'steps') => s.flatMap((x) => (x[k] === undefined ? [] : [x[k] as number]));

describe('Scenario: illness', () => {
  it('is a labelled condition kept out of the evaluation library', () => {
    expect(Object.keys(CONDITION_SCENARIOS)).toContain('illness');
    expect(Object.keys(SCENARIOS)).not.toContain('illness');
  });

  it.each(['office', 'athlete', 'older'])('%s: raised HR, lowered RMSSD, raised skin temperature and little activity against a rest hour', (id) => {
    const p = persona(id);
    const ill = generateScenario('illness', p, 4);
    const rest = generateScenario('rest', p, 4);
    expect(ill.samples.every((x) => SampleSchema.safeParse(x).success)).toBe(true);
    expect(ill.truth.every((w) => w.label === 'rest')).toBe(true);
    // the ill part (after the first 20 minutes of sleep), settled: its last 30 minutes
    const illAwake = ill.samples.filter((x) => x.t >= ill.start + 60 * 60_000);
    expect(mean(field(illAwake, 'hr'))).toBeGreaterThan(mean(field(rest.samples, 'hr')) + 3);
    expect(mean(field(illAwake, 'hrvRmssd'))).toBeLessThan(mean(field(rest.samples, 'hrvRmssd')));
    expect(mean(field(illAwake, 'skinTempC'))).toBeGreaterThan(p.skinTempC + 0.5);
    const stepsPerHour = (field(ill.samples, 'steps').reduce((a, b) => a + b, 0) * 60) / (ill.samples.length / 60);
    expect(stepsPerHour).toBeLessThan(400);
  });
});

describe('Function: personaOnDay', () => {
  it("is the persona with that day's resting HR, RMSSD, skin temperature and sleep", () => {
    const h = generateHistory('burnout', persona('office'), 9);
    const last = h.rows.length - 1;
    const p = personaOnDay(h, last);
    expect(p.restingHrBpm).toBe(h.rows[last]?.restingHrBpm);
    expect(Math.log(p.restRmssdMs)).toBeCloseTo(h.rows[last]?.lnRmssd ?? 0, 10);
    expect(() => personaOnDay(h, h.rows.length)).toThrow(RangeError);
  });
});

describe('Function: generateDay', () => {
  const h = generateHistory('burnout', persona('young'), 2);
  const day = Date.UTC(2026, 2, 1);

  it('fills the UTC day with valid samples at 1 Hz, starting asleep', () => {
    const s = generateDay(h, 10, day, 2);
    expect(s.length).toBeGreaterThan(80_000);
    expect(s.every((x) => x.t >= day && x.t < day + 86_400_000)).toBe(true);
    expect(s.slice(0, 2000).every((x) => SampleSchema.safeParse(x).success)).toBe(true);
    expect(dayKind(h, 10)).toBe('ordinary');
    expect(dayKind(h, NORMAL_DAYS + 13)).toBe('burnout');
  });

  it("plays the day's body: the last burnout night's HR is above an ordinary night's", () => {
    const night = (s: Sample[]) => mean(field(s.filter((x) => x.t < day + 3 * 3_600_000), 'hr'));
    expect(night(generateDay(h, h.rows.length - 1, day, 2))).toBeGreaterThan(night(generateDay(h, 10, day, 2)) + 3);
  });

  it('refuses a day outside the history or a start that is not midnight', () => {
    expect(() => generateDay(h, -1, day, 1)).toThrow(RangeError);
    expect(() => generateDay(h, 1, day + 1, 1)).toThrow(RangeError);
  });
});
