import { describe, expect, it } from 'vitest';
import type { DailyMetrics } from '../../protocol/daily';
import { flagAnomalies, type HistoryDay, SD_FLOOR, zScores } from './anomalies';
import { shadowState } from './summarize-day';
import { DailyShadowStateSchema } from '../../protocol/daily';

const DAY = Date.UTC(2024, 4, 1);
const D = 86_400_000;

/** `n` days before DAY, the newest first, resting HR alternating 58/62 (mean 60, sd ≈ 2). */
function history(n: number, extra: (i: number) => Partial<HistoryDay> = () => ({})): HistoryDay[] {
  return Array.from({ length: n }, (_, i) => ({ t: DAY - (i + 1) * D, restingHrBpm: i % 2 === 0 ? 58 : 62, ...extra(i) }));
}
const today = (m: Partial<DailyMetrics>): DailyMetrics => ({ day: '2024-05-01', steps: 0, activeMin: 0, stressMin: 0, samples: 1, ...m });

describe('Function: zScores', () => {
  it('scores a metric against the days before it in each window', () => {
    const z = zScores(today({ restingHrBpm: 66 }), history(60), DAY).filter((s) => s.metric === 'restingHrBpm');
    expect(z.map((s) => s.windowDays)).toEqual([30, 60]);
    for (const s of z) {
      expect(s.mean).toBe(60);
      expect(s.z).toBeGreaterThan(2.9);
    }
  });

  it('needs seven days of the metric in the window', () => {
    expect(zScores(today({ restingHrBpm: 66 }), history(6), DAY)).toEqual([]);
    expect(zScores(today({ restingHrBpm: 66 }), history(7), DAY)).toHaveLength(2);
  });

  it('only counts days inside the window, and never the day itself or later ones', () => {
    const h = [...history(10), { t: DAY, restingHrBpm: 200 }, { t: DAY + D, restingHrBpm: 200 }, { t: DAY - 40 * D, restingHrBpm: 200 }];
    const [z30, z60] = zScores(today({ restingHrBpm: 60 }), h, DAY);
    expect(z30?.mean).toBe(60);
    expect(z60?.mean).toBeGreaterThan(60);
  });

  it('divides by at least the metric’s noise floor, so a flat history does not make a small change extreme', () => {
    const flat = Array.from({ length: 10 }, (_, i) => ({ t: DAY - (i + 1) * D, steps: 8000 }));
    const [z] = zScores(today({ steps: 8400 }), flat, DAY);
    expect(z?.sd).toBe(SD_FLOOR.steps);
    expect(z?.z).toBeCloseTo(0.8, 5);
  });
});

describe('Function: flagAnomalies', () => {
  it('flags |z| ≥ 2 with its direction, per window', () => {
    // 60 days of resting HR, but sleep only in the last 30: the 60-day window judges resting HR alone
    const h = history(60, (i) => (i < 30 ? { sleepMin: i % 2 === 0 ? 420 : 480 } : {}));
    const flags = flagAnomalies(zScores(today({ restingHrBpm: 66, sleepMin: 300 }), h, DAY));
    expect(flags.map((f) => [f.metric, f.windowDays, f.direction])).toEqual([
      ['restingHrBpm', 30, 'high'],
      ['restingHrBpm', 60, 'high'],
      ['sleepMin', 30, 'low'],
      ['sleepMin', 60, 'low'],
    ]);
  });

  it('does not flag a normal day', () => {
    expect(flagAnomalies(zScores(today({ restingHrBpm: 61 }), history(30), DAY))).toEqual([]);
  });
});

describe('Function: shadowState', () => {
  it('fits the 8 KB shadow limit with every metric flagged in both windows', () => {
    const m = today({ restingHrBpm: 99.9, lnRmssdRest: 1.234, sleepMin: 1440, skinTempC: 39.99, steps: 123_456, activeMin: 1440, stressMin: 1440, samples: 86_400 });
    const h = Array.from({ length: 60 }, (_, i) => ({ t: DAY - (i + 1) * D, restingHrBpm: 50, lnRmssdRest: 4, sleepMin: 400, skinTempC: 33, steps: 100, activeMin: 1, stressMin: 1 }));
    // the longest explanation the schema allows: 600 characters, 1,200 bytes of UTF-8
    const explanation = { text: 'é'.repeat(600), source: 'llm' as const };
    const state = shadowState(m, flagAnomalies(zScores(m, h, DAY)), explanation, Date.now());
    expect(state.anomalies).toHaveLength(14);
    expect(state).toMatchObject({ explanation: explanation.text, explanationSource: 'llm' });
    expect(DailyShadowStateSchema.parse(state)).toEqual(state);
    expect(Buffer.byteLength(JSON.stringify({ state: { reported: state } }))).toBeLessThan(8 * 1024);
  });
});
