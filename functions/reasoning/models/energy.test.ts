import { describe, expect, it } from 'vitest';
import { resolveBaseline } from './baseline';
import { updateEnergy } from './energy';
import { classifyMinutes } from './minute-state';
import { minutes, PERSONAL, REST, RUN, T0 } from './test-support';

const b = resolveBaseline(PERSONAL);
const states = (ms: ReturnType<typeof minutes>) => classifyMinutes(ms, b).states;

describe('Function: updateEnergy', () => {
  it('starts the day at 12 × readiness / 100 spoons', () => {
    const e = updateEnergy(undefined, [], 75, T0);
    expect(e).toMatchObject({ spoons: 9, level: 9, day: '2025-03-01' });
    expect(e.contributors[0]).toMatchObject({ name: 'dayStart', value: 75 });
  });

  it('drains 3 spoons an hour of exercise and counts only complete minutes after updatedAt', () => {
    const run = states(minutes(60, RUN));
    const e = updateEnergy({ day: '2025-03-01', spoons: 8, level: 8, updatedAt: T0 }, run, 50, T0 + 60 * 60_000);
    expect(e.level).toBeCloseTo(5, 6);
    expect(e.updatedAt).toBe(T0 + 60 * 60_000);
    const again = updateEnergy(e, run, 50, T0 + 60 * 60_000);
    expect(again.level).toBe(e.level);
  });

  it('recharges at rest, never above 12 and never below 0', () => {
    const rest = states(minutes(60, REST));
    expect(updateEnergy({ day: '2025-03-01', spoons: 12, level: 12, updatedAt: T0 }, rest, 50, T0 + 3_600_000).level).toBe(12);
    expect(updateEnergy({ day: '2025-03-01', spoons: 0, level: 0, updatedAt: T0 }, states(minutes(60, RUN)), 50, T0 + 3_600_000).level).toBe(0);
  });

  it('starts afresh on a new day in the wearer’s time zone', () => {
    const e = updateEnergy({ day: '2025-03-01', spoons: 2, updatedAt: T0 }, [], 50, Date.UTC(2025, 2, 2, 1, 0), 0);
    expect(e).toMatchObject({ day: '2025-03-02', spoons: 6 });
    const west = updateEnergy({ day: '2025-03-01', spoons: 2, updatedAt: T0 }, [], 50, Date.UTC(2025, 2, 2, 1, 0), -180);
    expect(west).toMatchObject({ day: '2025-03-01', spoons: 2 });
  });
});
