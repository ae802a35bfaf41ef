/**
 * EventBridge Scheduler's cron expressions, the subset pulsepet supports:
 * `cron(minutes hours day-of-month month day-of-week year)` with `*`, `?`, numbers,
 * month (JAN–DEC) and weekday (SUN–SAT, 1 = Sunday) names, lists `a,b`, ranges `a-b`
 * and steps `a/n`, `*\/n`; evaluated in UTC. `L`, `W` and `#` are refused by name.
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
 */

/** A parsed cron expression: the allowed values of each field (`undefined` day field = `?`). */
export interface CronSchedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number> | undefined;
  months: ReadonlySet<number>;
  /** 1 = Sunday … 7 = Saturday, as EventBridge numbers them */
  daysOfWeek: ReadonlySet<number> | undefined;
  years: ReadonlySet<number>;
}

/** A schedule expression EventBridge Scheduler would refuse, or one outside the subset. */
export class ScheduleExpressionError extends Error {
  constructor(
    readonly expression: string,
    reason: string,
  ) {
    super(`invalid schedule expression ${JSON.stringify(expression)}: ${reason}`);
    this.name = 'ScheduleExpressionError';
  }
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  question?: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELDS: readonly FieldSpec[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, question: true },
  { name: 'year', min: 1970, max: 2199 },
];

function value(text: string, f: FieldSpec, fail: (why: string) => never): number {
  const named = f.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(text)) fail(`${f.name}: '${text}' is not a number${/[LW#]/i.test(text) ? ' (L, W and # are not supported)' : ''}`);
  const n = Number(text);
  if (n < f.min || n > f.max) fail(`${f.name}: ${n} is outside ${f.min}–${f.max}`);
  return n;
}

/** One field: a set of values, or undefined for `?`. */
function field(text: string, f: FieldSpec, fail: (why: string) => never): Set<number> | undefined {
  if (text === '?') {
    if (!f.question) fail(`${f.name}: '?' is only allowed in day-of-month and day-of-week`);
    return undefined;
  }
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) fail(`${f.name}: bad step in '${part}'`);
    let lo = f.min;
    let hi = f.max;
    if (range !== '*') {
      const [a = '', b] = range.split('-');
      lo = value(a, f, fail);
      hi = b === undefined ? (stepText === undefined ? lo : f.max) : value(b, f, fail);
      if (hi < lo) fail(`${f.name}: range '${range}' runs backwards`);
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/**
 * Parses `cron(…)`; throws {@link ScheduleExpressionError} naming the problem.
 * @example parseCron('cron(15 0 * * ? *)') // every day at 00:15 UTC
 */
export function parseCron(expression: string): CronSchedule {
  const fail = (why: string): never => {
    throw new ScheduleExpressionError(expression, why);
  };
  const m = /^cron\((.*)\)$/.exec(expression.trim());
  if (!m) return fail("expected 'cron(minutes hours day-of-month month day-of-week year)'");
  const parts = (m[1] ?? '').trim().split(/\s+/);
  if (parts.length !== 6) return fail(`expected 6 fields, got ${parts.length}`);
  const sets = parts.map((p, i) => field(p, FIELDS[i] as FieldSpec, fail));
  const [minutes, hours, daysOfMonth, months, daysOfWeek, years] = sets;
  // EventBridge: one of the two day fields must be '?', and not both
  if ((daysOfMonth === undefined) === (daysOfWeek === undefined)) fail("exactly one of day-of-month and day-of-week must be '?'");
  return { minutes: minutes as Set<number>, hours: hours as Set<number>, daysOfMonth, months: months as Set<number>, daysOfWeek, years: years as Set<number> };
}

const DAY_MS = 86_400_000;
/** Far enough for any expression that fires at all (the year field ends at 2199). */
const MAX_DAYS_AHEAD = 366 * 8;

function dayMatches(c: CronSchedule, dayStart: number): boolean {
  const d = new Date(dayStart);
  if (!c.years.has(d.getUTCFullYear()) || !c.months.has(d.getUTCMonth() + 1)) return false;
  return c.daysOfMonth !== undefined ? c.daysOfMonth.has(d.getUTCDate()) : (c.daysOfWeek?.has(d.getUTCDay() + 1) ?? false);
}

/**
 * The first time (epoch ms, on a whole minute) strictly after `after` that the schedule
 * fires, UTC; undefined when it never fires again (within 8 years, or past its years).
 * @example nextFireTime(parseCron('cron(15 0 * * ? *)'), Date.UTC(2024, 0, 1, 12)) === Date.UTC(2024, 0, 2, 0, 15)
 */
export function nextFireTime(c: CronSchedule, after: number): number | undefined {
  const hours = [...c.hours].sort((a, b) => a - b);
  const minutes = [...c.minutes].sort((a, b) => a - b);
  const firstDay = Math.floor(after / DAY_MS) * DAY_MS;
  for (let i = 0; i <= MAX_DAYS_AHEAD; i++) {
    const day = firstDay + i * DAY_MS;
    if (!dayMatches(c, day)) continue;
    for (const h of hours) {
      for (const m of minutes) {
        const t = day + h * 3_600_000 + m * 60_000;
        if (t > after) return t;
      }
    }
  }
  return undefined;
}
