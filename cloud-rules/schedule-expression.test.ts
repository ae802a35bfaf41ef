import { describe, expect, it } from 'vitest';
import { nextFireTime, parseCron, ScheduleExpressionError } from './schedule-expression';

const at = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h, mi);

describe('Function: parseCron', () => {
  it('reads every field of a daily expression', () => {
    const c = parseCron('cron(15 0 * * ? *)');
    expect([...c.minutes]).toEqual([15]);
    expect([...c.hours]).toEqual([0]);
    expect(c.daysOfMonth?.size).toBe(31);
    expect(c.daysOfWeek).toBeUndefined();
    expect(c.months.size).toBe(12);
  });

  it('reads lists, ranges, steps and names', () => {
    const c = parseCron('cron(0/20 8-10,22 ? JAN,mar-APR MON-FRI 2024-2025)');
    expect([...c.minutes]).toEqual([0, 20, 40]);
    expect([...c.hours]).toEqual([8, 9, 10, 22]);
    expect([...c.months]).toEqual([1, 3, 4]);
    expect([...(c.daysOfWeek ?? [])]).toEqual([2, 3, 4, 5, 6]);
    expect([...c.years]).toEqual([2024, 2025]);
  });

  it.each([
    ['0 0 * * ? *', 'cron('],
    ['cron(0 0 * * ?)', 'expected 6 fields'],
    ['cron(60 0 * * ? *)', 'minutes: 60 is outside 0–59'],
    ['cron(0 0 * * * *)', "exactly one of day-of-month and day-of-week must be '?'"],
    ['cron(0 0 ? * ? *)', "exactly one of day-of-month and day-of-week must be '?'"],
    ['cron(0 ? * * ? *)', "'?' is only allowed"],
    ['cron(0 0 L * ? *)', 'L, W and # are not supported'],
    ['cron(0 0 ? * 6#3 *)', 'L, W and # are not supported'],
    ['cron(0 10-8 * * ? *)', 'runs backwards'],
    ['cron(*/0 0 * * ? *)', 'bad step'],
  ])('refuses %s', (expr, why) => {
    expect(() => parseCron(expr)).toThrow(ScheduleExpressionError);
    expect(() => parseCron(expr)).toThrow(why);
  });
});

describe('Function: nextFireTime', () => {
  const daily = parseCron('cron(15 0 * * ? *)');

  it('fires later the same day, or the next day once the time has passed', () => {
    expect(nextFireTime(daily, at(2024, 1, 1, 0, 0))).toBe(at(2024, 1, 1, 0, 15));
    expect(nextFireTime(daily, at(2024, 1, 1, 0, 15))).toBe(at(2024, 1, 2, 0, 15));
    expect(nextFireTime(daily, at(2024, 12, 31, 12))).toBe(at(2025, 1, 1, 0, 15));
  });

  it('matches weekdays with 1 = Sunday', () => {
    // 2024-01-06 is a Saturday
    expect(nextFireTime(parseCron('cron(0 9 ? * MON *)'), at(2024, 1, 6))).toBe(at(2024, 1, 8, 9));
    expect(nextFireTime(parseCron('cron(0 9 ? * 1 *)'), at(2024, 1, 6))).toBe(at(2024, 1, 7, 9));
  });

  it('skips months without the day, and stops after its last year', () => {
    expect(nextFireTime(parseCron('cron(0 0 31 * ? *)'), at(2024, 4, 1))).toBe(at(2024, 5, 31));
    expect(nextFireTime(parseCron('cron(0 0 29 2 ? *)'), at(2024, 3, 1))).toBe(at(2028, 2, 29));
    expect(nextFireTime(parseCron('cron(0 0 1 1 ? 2024)'), at(2024, 1, 2))).toBeUndefined();
  });
});
