import { describe, expect, it } from 'vitest';
import { chartWindow, fleetRows, LIVE_WITHIN_MS, presenceRows, type Row, sql, stressSpans, vitalsSeries } from './history';

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
    const w = chartWindow(T0, undefined, 6);
    expect(() => sql.vitals('pulsepet', "x' OR '1'='1", w)).toThrow(/not a thing name/);
    expect(() => sql.fleet('pulse"pet')).toThrow(/not a Timestream database name/);
    expect(sql.vitals('pulsepet', 'pet-1', w)).toContain(`thing = 'pet-1'`);
    expect(() => sql.vitals('pulsepet', 'pet-1', { from: Number.NaN, to: T0, live: true })).toThrow(/not a time window/);
  });

  it('asks for the window it is given, and for the stress state of the day before it', () => {
    const w = chartWindow(T0, undefined, 6);
    expect(sql.vitals('pulsepet', 'pet-1', w)).toContain(`time BETWEEN from_milliseconds(${T0 - 6 * 3_600_000}) AND from_milliseconds(${T0})`);
    expect(sql.stress('pulsepet', 'pet-1', w)).toContain(`time BETWEEN from_milliseconds(${T0 - 30 * 3_600_000}) AND from_milliseconds(${T0})`);
  });
});

describe('Function: chartWindow', () => {
  it('ends now while the pet has no data or recent data', () => {
    expect(chartWindow(T0, undefined, 6)).toEqual({ from: T0 - 6 * 3_600_000, to: T0, live: true });
    expect(chartWindow(T0, T0 - LIVE_WITHIN_MS, 6)).toEqual({ from: T0 - 6 * 3_600_000, to: T0, live: true });
    // a device clock ahead of the page's
    expect(chartWindow(T0, T0 + 60_000, 6)).toMatchObject({ to: T0, live: true });
  });

  it('ends at the latest data when that is older, so the pet still shows its last hours', () => {
    const latest = T0 - 29 * 86_400_000;
    expect(chartWindow(T0, latest, 6)).toEqual({ from: latest - 6 * 3_600_000, to: latest, live: false });
  });
});
