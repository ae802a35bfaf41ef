import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SPAN_MS, openDemoClock } from './clock';

const H = 3_600_000;
const T0 = Date.UTC(2026, 11, 7, 18, 0);
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-demo-clock-'));
  return dir;
};

describe('Function: openDemoClock', () => {
  it('starts a first run far enough back that 24 hours at its speedup reach the present, at most 29 days', () => {
    const clock = openDemoClock(fresh(), 30, 10_000, T0);
    expect(clock.resumed).toBe(false);
    expect(clock.scenarioStart).toBe(T0 - 29 * DEMO_SPAN_MS);
    // at most 29 days back: the seeded history before it stays within the baseline's 60 days
    expect(openDemoClock(fresh(), 120, 10_000, T0).scenarioStart).toBe(T0 - 29 * 86_400_000);
    expect(openDemoClock(fresh(), 5, 10_000, T0).scenarioStart).toBe(T0 - 4 * DEMO_SPAN_MS);
  });

  it('carries a restarted run on one tick after where the last one stopped, never back over what it wrote', () => {
    const d = fresh();
    const first = openDemoClock(d, 30, 10_000, T0);
    first.alive(T0 + 0.5 * H);
    // stopped for an hour: the pets go on from their last data, not from 29 days back again
    const second = openDemoClock(d, 30, 10_000, T0 + 1.5 * H);
    expect(second.resumed).toBe(true);
    expect(second.scenarioStart).toBe(first.scenarioStart + 30 * (0.5 * H + 10_000));
    // a run killed between two ticks wrote at most one tick of scenario time after its last record
    second.alive(T0 + 2 * H);
    const third = openDemoClock(d, 10, 10_000, T0 + 3 * H);
    expect(third.scenarioStart).toBe(second.scenarioStart + 30 * (0.5 * H + 10_000));
    // a changed speedup applies from then on
    third.alive(T0 + 4 * H);
    expect(openDemoClock(d, 10, 10_000, T0 + 5 * H).scenarioStart).toBe(third.scenarioStart + 10 * (H + 10_000));
  });

  it('never starts a run in the future, also for a timeline that reached the present and was stopped a moment ago', () => {
    const d = fresh();
    const first = openDemoClock(d, 30, 10_000, T0);
    first.alive(T0 + DEMO_SPAN_MS);
    expect(openDemoClock(d, 30, 10_000, T0 + DEMO_SPAN_MS + 60_000).scenarioStart).toBe(T0 + DEMO_SPAN_MS + 10_000);
    openDemoClock(d, 30, 10_000, T0 + DEMO_SPAN_MS + 61_000).alive(T0 + DEMO_SPAN_MS + 62_000);
    expect(openDemoClock(d, 30, 10_000, T0 + DEMO_SPAN_MS + 63_000).scenarioStart).toBe(T0 + DEMO_SPAN_MS + 63_000);
  });

  it('tells the scenario days the fleet has finished a quarter of an hour ago, each once, across restarts', () => {
    const d = fresh();
    // scenario time starts on 2026-11-08 at 18:00; the days before are seeded
    const clock = openDemoClock(d, 30, 10_000, T0);
    expect(new Date(clock.scenarioStart).toISOString()).toBe('2026-11-08T18:00:00.000Z');
    const wallAt = (scenario: number) => T0 + (scenario - clock.scenarioStart) / 30;
    const nov9 = Date.UTC(2026, 10, 9);
    expect(clock.dueDays(wallAt(nov9 + 14 * 60_000))).toEqual([]);
    expect(clock.dueDays(wallAt(nov9 + 15 * 60_000 + 1))).toEqual(['2026-11-08']);
    clock.summarized('2026-11-08');
    const later = wallAt(nov9 + 3 * 86_400_000 + 16 * 60_000);
    expect(clock.dueDays(later)).toEqual(['2026-11-09', '2026-11-10', '2026-11-11']);
    clock.summarized('2026-11-09');
    clock.alive(later);
    // a restart goes on from its record: what was started is not started again
    const again = openDemoClock(d, 30, 10_000, later + 60_000);
    expect(again.dueDays(later + 60_000)).toEqual(['2026-11-10', '2026-11-11']);
  });

  it('says so and starts a new timeline when the record cannot be read', () => {
    const d = fresh();
    writeFileSync(join(d, 'demo-clock.json'), '{"wallStart": "soon"}');
    const warnings: string[] = [];
    const clock = openDemoClock(d, 30, 10_000, T0, (w) => warnings.push(w));
    expect(clock.resumed).toBe(false);
    expect(warnings).toEqual([expect.stringMatching(/demo-clock\.json is not a demo clock record \(wallStart: .+\); the pets' scenario time starts again/)]);
    expect(JSON.parse(readFileSync(join(d, 'demo-clock.json'), 'utf8'))).toEqual({ wallStart: T0, scenarioStart: clock.scenarioStart, speedup: 30, lastWall: T0, summarizedThrough: '2026-11-07' });
  });
});
