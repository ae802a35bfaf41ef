import { describe, expect, it } from 'vitest';
import type { DailyAnomaly } from '../../protocol/daily';
import { adviceFor, anomaliesByMetric, templateExplanation } from './explain-words';

const anomaly = (a: Partial<DailyAnomaly> & Pick<DailyAnomaly, 'metric'>): DailyAnomaly => ({ windowDays: 30, value: 66, mean: 58, sd: 2, z: 4, direction: 'high', ...a });
const rhrHigh = anomaly({ metric: 'restingHrBpm' });
const sleepShort = anomaly({ metric: 'sleepMin', value: 320, mean: 440, sd: 30, z: -4, direction: 'low' });

describe('Function: anomaliesByMetric', () => {
  it('names a metric flagged in both windows once, with its larger |z|, in metric order', () => {
    const merged = anomaliesByMetric([sleepShort, anomaly({ metric: 'restingHrBpm', windowDays: 60, mean: 60, z: 2.1 }), rhrHigh]);
    expect(merged.map((a) => a.metric)).toEqual(['restingHrBpm', 'sleepMin']);
    expect(merged[0]).toMatchObject({ mean: 58, zs: [{ windowDays: 30, z: 4 }, { windowDays: 60, z: 2.1 }] });
  });
});

describe('Function: adviceFor', () => {
  it('asks for rest first, then sleep, then recovery or movement', () => {
    expect(adviceFor(anomaliesByMetric([sleepShort, rhrHigh]))).toBe('rest');
    expect(adviceFor(anomaliesByMetric([sleepShort]))).toBe('sleep');
    expect(adviceFor(anomaliesByMetric([anomaly({ metric: 'steps', value: 20000, mean: 8000 })]))).toBe('recover');
    expect(adviceFor(anomaliesByMetric([anomaly({ metric: 'activeMin', direction: 'low', z: -3 })]))).toBe('move');
    expect(adviceFor(anomaliesByMetric([anomaly({ metric: 'restingHrBpm', direction: 'low', z: -3 })]))).toBe('keep');
  });
});

describe('Function: templateExplanation', () => {
  it('words the flagged anomalies tersely for the strict persona', () => {
    expect(templateExplanation({ persona: 'strict', anomalies: [rhrHigh, sleepShort], judged: true })).toBe(
      'Outside your normal range today: resting heart rate higher (66 bpm vs 58 bpm); sleep shorter (5 h 20 min vs 7 h 20 min). Take it easy tomorrow and get to bed early.',
    );
  });

  it('words them warmly for the encouraging persona', () => {
    expect(templateExplanation({ persona: 'encouraging', anomalies: [sleepShort], judged: true })).toBe(
      'One thing was different from your usual today: your sleep was shorter (5 h 20 min vs about 7 h 20 min). An early night could help you catch up.',
    );
  });

  it('says the day was within the wearer’s normal range when nothing was flagged', () => {
    expect(templateExplanation({ persona: 'strict', anomalies: [], judged: true })).toBe('Every metric within your normal range. Keep your routine.');
    expect(templateExplanation({ persona: 'encouraging', anomalies: [], judged: true })).toMatch(/^Your day stayed within your normal range/);
  });

  it('says the normal range is not known yet while there is too little history to judge', () => {
    expect(templateExplanation({ persona: 'strict', anomalies: [], judged: false })).toMatch(/^Not enough history yet: 7 earlier days/);
    expect(templateExplanation({ persona: 'encouraging', anomalies: [], judged: false })).toMatch(/still learning your normal range/);
  });
});
