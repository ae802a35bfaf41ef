import { describe, expect, it } from 'vitest';
import type { MinuteAggregate } from '../../protocol/models';
import { populationBaseline, resolveBaseline } from '../reasoning/models/index';
import { dailyMetrics, restingHrBpm, sleepMin, sleepPeriods } from './metrics';
import { minutesFromRows, samplingIntervalMs } from './minute-rows';
import { classifyMinutes } from '../reasoning/models/index';

const DAY = Date.UTC(2024, 4, 1);
const MIN = 60_000;
const prior = resolveBaseline(populationBaseline()); // resting 62 bpm, ln RMSSD 3.74 ± 0.36

type Kind = 'sleep' | 'rest' | 'run' | 'stress';
const SHAPES: Record<Kind, Omit<MinuteAggregate, 't'>> = {
  sleep: { n: 60, dropped: 0, hrMeanBpm: 52, hrvRmssdMs: 60, steps: 0, cadenceSpm: 0, accelG: 1.0, skinTempC: 34.5 },
  rest: { n: 60, dropped: 0, hrMeanBpm: 66, hrvRmssdMs: 42, steps: 0, cadenceSpm: 0, accelG: 1.05, skinTempC: 33 },
  run: { n: 60, dropped: 0, hrMeanBpm: 150, hrvRmssdMs: 12, steps: 160, cadenceSpm: 160, accelG: 1.6 },
  stress: { n: 60, dropped: 0, hrMeanBpm: 88, hrvRmssdMs: 15, steps: 0, cadenceSpm: 0, accelG: 1.01 },
};

/** A day as [kind, from minute, to minute) spans; minutes not covered have no data. */
function day(spans: Array<[Kind, number, number]>): MinuteAggregate[] {
  const out: MinuteAggregate[] = [];
  for (const [kind, from, to] of spans) for (let i = from; i < to; i++) out.push({ t: DAY + i * MIN, ...SHAPES[kind] });
  return out;
}

const H = 60;
const fullDay = day([
  ['sleep', 0, 6 * H],
  ['rest', 6 * H, 12 * H],
  ['stress', 12 * H, 12 * H + 30],
  ['rest', 12 * H + 30, 17 * H],
  ['run', 17 * H, 18 * H],
  ['rest', 18 * H, 24 * H],
]);

describe('Function: dailyMetrics', () => {
  const m = dailyMetrics('2024-05-01', fullDay, prior, { samples: 86_400, steps: 9_600 });

  it('counts the run as active minutes and the still, fast-hearted, low-HRV half hour as stress', () => {
    expect(m.activeMin).toBe(60);
    expect(m.stressMin).toBe(30);
  });

  it('takes the resting HR, rest HRV and skin temperature from the night', () => {
    expect(m.restingHrBpm).toBe(52);
    expect(m.lnRmssdRest).toBeCloseTo(Math.log(60), 3);
    expect(m.skinTempC).toBe(34.5);
  });

  it('estimates six hours of sleep and keeps the store’s sample and step totals', () => {
    expect(m.sleepMin).toBe(360);
    expect(m).toMatchObject({ day: '2024-05-01', samples: 86_400, steps: 9_600 });
  });

  it('never counts exercise as stress, however high the heart rate and low the HRV', () => {
    const runs = dailyMetrics('2024-05-01', day([['run', 0, 4 * H]]), prior, { samples: 14_400, steps: 38_400 });
    expect(runs.stressMin).toBe(0);
    expect(runs.activeMin).toBe(240);
  });

  it('leaves out what a short, daytime-only recording cannot tell', () => {
    const m2 = dailyMetrics('2024-05-01', day([['run', 0, 20]]), prior, { samples: 1200, steps: 3200 });
    expect(m2.restingHrBpm).toBeUndefined();
    expect(m2.sleepMin).toBeUndefined();
    expect(m2.lnRmssdRest).toBeUndefined();
  });

  it('falls back to the day’s rest for HRV when there was no night', () => {
    const m3 = dailyMetrics('2024-05-01', day([['rest', 8 * H, 20 * H]]), prior, { samples: 43_200, steps: 0 });
    expect(m3.lnRmssdRest).toBeCloseTo(Math.log(42), 3);
    expect(m3.sleepMin).toBe(0);
    expect(m3.restingHrBpm).toBe(66);
  });
});

describe('Function: restingHrBpm', () => {
  it('is the lowest 30-minute mean, and ignores the 10 minutes of recovery after exercise', () => {
    const minutes = day([
      ['rest', 0, 60],
      ['run', 60, 90],
      ['rest', 90, 200],
    ]);
    // recovery minutes at a lower HR than any rest would win if they counted
    for (const m of minutes) if (m.t >= DAY + 90 * MIN && m.t < DAY + 100 * MIN) m.hrMeanBpm = 40;
    const { states } = classifyMinutes(minutes, prior);
    expect(restingHrBpm(states)).toBe(66);
  });

  it('needs 20 rest minutes in the window', () => {
    const { states } = classifyMinutes(day([['rest', 0, 19]]), prior);
    expect(restingHrBpm(states)).toBeUndefined();
  });
});

describe('Function: sleepPeriods / sleepMin', () => {
  it('bridges a short awakening but not a long one, and ignores naps under an hour', () => {
    const { states } = classifyMinutes(
      day([
        ['sleep', 0, 120],
        ['rest', 120, 130],
        ['sleep', 130, 300],
        ['rest', 300, 400],
        ['sleep', 400, 440],
      ]),
      prior,
    );
    expect(sleepPeriods(states).map((p) => p.length)).toEqual([290, 40]);
    expect(sleepMin(states)).toBe(290);
  });
});

describe('Function: minutesFromRows', () => {
  it('estimates cadence from the sampling interval and keeps medians as the minute’s values', () => {
    const rows = [
      { t: DAY + MIN, samples: 30, n: 30, hrMedianBpm: 120.04, steps: 50 },
      { t: DAY, samples: 60, n: 58, hrMedianBpm: 61, rmssdMedianMs: 44, steps: 0, accelMeanG: 1.01, skinTempMeanC: 33.2 },
    ];
    expect(samplingIntervalMs(rows)).toBe(1000);
    const [a, b] = minutesFromRows(rows);
    expect(a).toEqual({ t: DAY, n: 58, dropped: 2, hrMeanBpm: 61, hrvRmssdMs: 44, steps: 0, accelG: 1.01, skinTempC: 33.2, cadenceSpm: 0 });
    expect(b).toMatchObject({ t: DAY + MIN, hrMeanBpm: 120, cadenceSpm: 100 });
  });
});
