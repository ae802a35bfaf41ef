import { describe, expect, it } from 'vitest';
import { resolveBaseline } from './baseline';
import { classifyMinutes } from './minute-state';
import { stressBand, stressResult } from './stress';
import { minutes, PERSONAL, REST, RUN, STRESS, T0 } from './test-support';

const b = resolveBaseline(PERSONAL);
const MIN = 60_000;
const run = (ms: ReturnType<typeof minutes>, lastExerciseEndedAt?: number) => {
  const c = classifyMinutes(ms, b, lastExerciseEndedAt);
  const now = (ms[ms.length - 1]?.t ?? T0) + MIN - 1;
  return stressResult(c.states, b, now, c.lastExerciseEndedAt);
};

describe('Function: stressResult', () => {
  it('calls sustained high HR with low RMSSD at rest stress, with a medium-or-higher level', () => {
    const r = run(minutes(15, STRESS));
    expect(r.state).toBe('stress');
    expect(r.level).toBeGreaterThanOrEqual(51);
    expect(['medium', 'high']).toContain(r.band);
    expect(r.windows.map((w) => w.state)).toEqual(['stress', 'stress', 'stress']);
    expect(r.contributors.find((c) => c.name === 'heartRate')).toMatchObject({ value: 85, baseline: 60 });
  });

  it('does not call 5 minutes of it stress (provisional from 8 minutes, confirmed at 10)', () => {
    expect(run([...minutes(10, REST), ...minutes(5, STRESS, T0 + 10 * MIN)]).state).toBe('rest');
  });

  it('shows an ongoing run provisionally as stress from 8 minutes, confirmed at 10 or dropped if it breaks first', () => {
    const ongoing = classifyMinutes([...minutes(10, REST), ...minutes(8, STRESS, T0 + 10 * MIN)], b).states;
    expect(ongoing.filter((s) => s.label === 'stress').every((s) => s.provisional === true && s.runMin === 8)).toBe(true);
    const shown = run([...minutes(10, REST), ...minutes(8, STRESS, T0 + 10 * MIN)]);
    expect(shown.state).toBe('stress');
    expect(shown.contributors.find((c) => c.name === 'stressMinutes')).toMatchObject({ value: 8, baseline: 10, effect: 0 });
    expect(run([...minutes(10, REST), ...minutes(7, STRESS, T0 + 10 * MIN)]).state).toBe('rest');
    const broken = classifyMinutes([...minutes(8, STRESS), ...minutes(6, REST, T0 + 8 * MIN)], b).states;
    expect(broken.some((s) => s.label === 'stress')).toBe(false);
    const confirmed = classifyMinutes([...minutes(10, STRESS), ...minutes(6, REST, T0 + 10 * MIN)], b).states;
    expect(confirmed.filter((s) => s.label === 'stress').map((s) => s.provisional)).toEqual(Array(10).fill(undefined));
  });

  it('keeps a run going while HR dips under +15 but stays ≥ +10 (hysteresis), not when it starts there', () => {
    const dip = { ...STRESS, hrMeanBpm: 72 };
    const ms = [...minutes(5, STRESS), ...minutes(1, dip, T0 + 5 * MIN), ...minutes(4, STRESS, T0 + 6 * MIN)];
    expect(run(ms).state).toBe('stress');
    expect(run(minutes(15, dip)).state).toBe('rest');
    expect(run([...minutes(5, STRESS), ...minutes(1, { ...STRESS, hrMeanBpm: 68 }, T0 + 5 * MIN), ...minutes(4, STRESS, T0 + 6 * MIN)]).state).toBe('rest');
  });

  it('calls a run exercise, never stress, with level 0', () => {
    const r = run(minutes(15, RUN));
    expect(r.state).toBe('exercise');
    expect(r.level).toBe(0);
  });

  it('calls cycling (no steps) exercise by wrist movement or by HR reserve', () => {
    expect(run(minutes(15, { hrMeanBpm: 95, hrvRmssdMs: 12, cadenceSpm: 0, accelG: 1.2 })).state).toBe('exercise');
    expect(run(minutes(15, { hrMeanBpm: 120, hrvRmssdMs: 12, cadenceSpm: 0, accelG: 1.02 })).state).toBe('exercise');
  });

  it('is not stress within 10 minutes after exercise ended', () => {
    const ms = minutes(12, STRESS, T0 + 5 * MIN);
    expect(run(ms, T0 + 5 * MIN).state).toBe('rest');
    expect(run(ms, T0 - 60 * MIN).state).toBe('stress');
  });

  it('is unknown with fewer than 3 valid minutes in the last window, and rest at baseline', () => {
    expect(run([...minutes(10, REST), ...minutes(5, { ...REST, n: 1 }, T0 + 10 * MIN)]).state).toBe('unknown');
    expect(run(minutes(15, REST)).state).toBe('rest');
    const atBaseline = run(minutes(15, { ...REST, hrMeanBpm: 60, hrvRmssdMs: 45 }));
    expect(atBaseline).toMatchObject({ state: 'rest', level: 25, band: 'rest' });
  });
});

describe('Function: stressBand (Garmin)', () => {
  it.each([
    [0, 'rest'],
    [25, 'rest'],
    [26, 'low'],
    [50, 'low'],
    [51, 'medium'],
    [75, 'medium'],
    [76, 'high'],
    [100, 'high'],
  ] as const)('%i → %s', (level, band) => expect(stressBand(level)).toBe(band));
});
