import { describe, expect, it } from 'vitest';
import type { DailyShadowState } from '../../../protocol/daily';
import { anomalyLines, contributorText, valuePair } from './format';

type Anomaly = DailyShadowState['anomalies'][number];
const anomaly = (metric: Anomaly['metric'], windowDays: Anomaly['windowDays'], value: number, mean: number, direction: Anomaly['direction']): Anomaly => ({
  metric,
  windowDays,
  value,
  mean,
  z: direction === 'high' ? 2.5 : -2.5,
  direction,
});

describe('Function: valuePair', () => {
  it('shows whole numbers from 10 up and one decimal below, as before, when that tells the two apart', () => {
    expect(valuePair(95, 40)).toEqual(['95', '40']);
    expect(valuePair(3.24, 3.61)).toEqual(['3.2', '3.6']);
  });

  it('adds decimals, up to two, when the two values are closer than the usual rounding shows', () => {
    expect(valuePair(33.1, 33.48)).toEqual(['33.1', '33.5']);
    expect(valuePair(33.1, 33.5)).toEqual(['33.1', '33.5']);
    expect(valuePair(71.2, 68.4)).toEqual(['71', '68']);
    // 33.05 is stored as 33.04999…: it still rounds up, as the day explanation rounds it
    expect(valuePair(33.05, 33.48)).toEqual(['33.1', '33.5']);
    expect(valuePair(-0.25, 0.05)).toEqual(['-0.3', '0.1']);
    expect(valuePair(3.52, 3.49)).toEqual(['3.52', '3.49']);
    expect(valuePair(3.521, 3.524)).toEqual(['3.52', '3.52']);
    expect(valuePair(62, 62)).toEqual(['62', '62']);
  });
});

describe('Function: anomalyLines', () => {
  it('gives a metric judged unusual against both windows one line, with the shortest window figures and the unit', () => {
    const lines = anomalyLines([
      anomaly('skinTempC', 60, 33.1, 33.52, 'low'),
      anomaly('skinTempC', 30, 33.1, 33.48, 'low'),
      anomaly('stressMin', 30, 95, 40, 'high'),
    ]);
    expect(lines).toEqual(['skin temperature lower than your 30- and 60-day usual (33.1 vs 33.5 °C)', 'stressed minutes higher than your 30-day usual (95 vs 40 min)']);
  });

  it('keeps a metric that is high against one window and low against the other on two lines', () => {
    expect(anomalyLines([anomaly('lnRmssdRest', 30, 3.2, 3.6, 'low'), anomaly('lnRmssdRest', 60, 3.9, 3.6, 'high')])).toEqual([
      'HRV at rest (ln RMSSD) lower than your 30-day usual (3.2 vs 3.6)',
      'HRV at rest (ln RMSSD) higher than your 60-day usual (3.9 vs 3.6)',
    ]);
    expect(anomalyLines([])).toEqual([]);
  });
});

describe('Function: contributorText', () => {
  it('names each readiness contributor in words, with its figures against the usual', () => {
    expect(contributorText({ name: 'sleep', value: 184, baseline: 450, unit: 'min' })).toBe('sleep, 7-day average — 184 min vs your usual 450 min');
    expect(contributorText({ name: 'hrv7d', value: 3.31, baseline: 3.62, unit: 'ln(ms)' })).toBe('HRV, 7-day average — 3.3 ln(ms) vs your usual 3.6 ln(ms)');
    expect(contributorText({ name: 'restingHr', value: 71, baseline: 64, unit: 'bpm' })).toBe('resting heart rate, 7-day average — 71 bpm vs your usual 64 bpm');
    expect(contributorText({ name: 'hrvNow', value: null, baseline: 3.5, unit: 'ln(ms)' })).toBe('HRV now');
  });

  it('says the skin temperature as the difference from the usual it already is', () => {
    expect(contributorText({ name: 'skinTemp', value: 0.6, baseline: 0, unit: '°C' })).toBe('skin temperature — 0.6 °C above your usual');
    expect(contributorText({ name: 'skinTemp', value: -0.25, baseline: 0, unit: '°C' })).toBe('skin temperature — 0.3 °C below your usual');
    expect(contributorText({ name: 'skinTemp', value: 0.01, baseline: 0, unit: '°C' })).toBe('skin temperature — as usual');
  });

  it('gives the fatigue cap its threshold, and an unknown contributor its own name', () => {
    expect(contributorText({ name: 'fatigueTrend', value: 2.4, baseline: 2, unit: 'sd' })).toBe('HRV falling and resting heart rate rising together — 2.4 sd (readiness is capped from 2.0 sd)');
    expect(contributorText({ name: 'vo2', value: 41, baseline: 40, unit: 'ml/kg/min' })).toBe('vo2 — 41 ml/kg/min vs your usual 40 ml/kg/min');
  });
});
