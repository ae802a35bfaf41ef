import { describe, expect, it } from 'vitest';
import { fleetRows, presenceRows, type Row, sql, stressSpans, vitalsSeries } from './history';

const row = (o: Record<string, string | undefined>): Row => new Map(Object.entries(o));
const T0 = Date.UTC(2025, 0, 2, 10, 0, 0);
const ts = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '000000');

describe('Function: stressSpans', () => {
  it('turns state changes into spans inside the window; the state before the window covers its start', () => {
    const rows = [row({ time: ts(T0 - 3_600_000), stress: 'rest' }), row({ time: ts(T0 + 600_000), stress: 'stress' }), row({ time: ts(T0 + 1_200_000), stress: 'rest' })];
    expect(stressSpans(rows, T0, T0 + 1_800_000)).toEqual([
      { state: 'rest', from: T0, to: T0 + 600_000 },
      { state: 'stress', from: T0 + 600_000, to: T0 + 1_200_000 },
      { state: 'rest', from: T0 + 1_200_000, to: T0 + 1_800_000 },
    ]);
  });

  it('merges repeats of one state, drops unknown names, and has no span before the first state', () => {
    const rows = [row({ time: ts(T0 + 60_000), stress: 'stress' }), row({ time: ts(T0 + 120_000), stress: 'stress' }), row({ time: ts(T0 + 180_000), stress: 'panic' })];
    expect(stressSpans(rows, T0, T0 + 300_000)).toEqual([{ state: 'stress', from: T0 + 60_000, to: T0 + 300_000 }]);
  });
});

describe('Timestream rows', () => {
  it('reads the fleet, presence and vitals columns, skipping rows it cannot use', () => {
    expect(fleetRows([row({ thing: 'pet-1', last_at: ts(T0) }), row({ thing: "bad'name" }), row({ thing: 'pet-2' })])).toEqual([{ thing: 'pet-1', lastSampleAt: T0 }, { thing: 'pet-2' }]);
    expect(presenceRows([row({ thing: 'pet-1', connected: 'false', at: ts(T0) }), row({ thing: 'pet-2', at: ts(T0) })])).toEqual(new Map([['pet-1', { connected: false, at: T0 }]]));
    expect(vitalsSeries([row({ minute: ts(T0), hr: '71.5', hrv: undefined })])).toEqual({ t: [T0], hr: [71.5], hrv: [null] });
  });

  it('never puts a string that is not a thing name into SQL', () => {
    expect(() => sql.vitals('pulsepet', "x' OR '1'='1", 6)).toThrow(/not a thing name/);
    expect(() => sql.fleet('pulse"pet')).toThrow(/not a Timestream database name/);
    expect(sql.vitals('pulsepet', 'pet-1', 6)).toContain(`thing = 'pet-1'`);
  });
});
