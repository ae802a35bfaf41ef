/**
 * The demo's scenario clock, kept across restarts in `DIR/demo-clock.json`.
 *
 * The fleet pets play scenario time K× faster, and no sample may be in the future, so
 * their time starts in the past: (K − 1) × 24 h back on the first run, so that 24 hours
 * of demo reach the present (at most 29 days back: fewer hours at a higher speedup). A later run carries on where the last one stopped instead of
 * starting that far back again: it would write over the times the last run wrote, and
 * each pet's state, judged at its newest data, would stand still until the new data
 * passed the old. The record is written at the start and on every status tick; a run
 * resumes one tick of scenario time after the last record, past anything its fleet wrote
 * before it stopped. Scenario time never passes the wall clock: once it reaches it, the
 * fleet runs at 1×.
 *
 * The clock also tells which of the fleet's scenario days are over, so the demo can run
 * the daily summary for them as the schedule does for real days: the pet page's day then
 * follows the pets' scenario time.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { dayStartMs, previousUtcDay } from '../../functions/daily-summary/summarize-day';

/** How often a running demo records that it is alive (its status tick). */
export const CLOCK_TICK_MS = 10_000;

/** Wall time the sped-up scenario takes to reach the present on a first run. */
export const DEMO_SPAN_MS = 24 * 3_600_000;
/**
 * How far back a first run starts at most (the span is shorter at a speedup above 30): the
 * reasoning function reads a wearer's baseline from their last 60 days, so the seeded
 * history before the scenario (21 days by default) stays within them.
 */
export const MAX_BACK_MS = 29 * 86_400_000;

const ClockRecord = z.object({
  /** wall time this record's run started (epoch ms) */
  wallStart: z.number().int(),
  /** scenario time at wallStart */
  scenarioStart: z.number().int(),
  speedup: z.number().min(1),
  /** the latest wall time the run was known to be alive */
  lastWall: z.number().int(),
  /** the last scenario day (UTC, YYYY-MM-DD) the daily summary was started for */
  summarizedThrough: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
});
type ClockRecord = z.infer<typeof ClockRecord>;

export interface DemoClock {
  /** scenario time at the start of this run (epoch ms), for `simulate --scenario-start` */
  readonly scenarioStart: number;
  /** true when an earlier run's timeline goes on */
  readonly resumed: boolean;
  /** records that this run is still alive at `wall` (called on each status tick) */
  alive(wall?: number): void;
  /**
   * The scenario days (UTC) the fleet has finished and the daily summary has not been
   * started for, oldest first: a day is finished a quarter of an hour of scenario time
   * after its end, as the `daily_summary` schedule waits for late batches.
   */
  dueDays(wall?: number): string[];
  /** records that the daily summary was started for `day` */
  summarized(day: string): void;
}

const DAY_MS = 86_400_000;
/** how long after a day's end its summary waits (the daily_summary schedule's 00:15 UTC) */
const SUMMARY_DELAY_MS = 15 * 60_000;
const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);

const scenarioAt = (r: ClockRecord, wall: number) => Math.min(wall, r.scenarioStart + r.speedup * (wall - r.wallStart));

/**
 * Opens the clock of a demo data dir: a new timeline, or the one an earlier run left,
 * resumed `tickMs` of wall time (at its speedup) after its last record.
 * @example const clock = openDemoClock('.pulsepet-demo', 30, 10_000); clock.scenarioStart;
 */
export function openDemoClock(dir: string, speedup: number, tickMs: number, now = Date.now(), warn: (line: string) => void = () => {}): DemoClock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'demo-clock.json');
  const earlier = readRecord(path, warn);
  const scenarioStart = earlier === undefined ? Math.round(now - Math.min((speedup - 1) * DEMO_SPAN_MS, MAX_BACK_MS)) : Math.min(now, Math.round(scenarioAt(earlier, earlier.lastWall + tickMs)));
  // a new timeline's earlier days are seeded (seed-history summarizes them); its first day is due when it ends
  const summarizedThrough = earlier?.summarizedThrough ?? previousUtcDay(scenarioStart);
  const record: ClockRecord & { summarizedThrough: string } = { wallStart: now, scenarioStart, speedup, lastWall: now, summarizedThrough };
  const save = () => {
    writeFileSync(`${path}.tmp`, `${JSON.stringify(record)}\n`);
    renameSync(`${path}.tmp`, path);
  };
  save();
  return {
    scenarioStart,
    resumed: earlier !== undefined,
    alive(wall = Date.now()) {
      record.lastWall = Math.max(record.lastWall, wall);
      save();
    },
    dueDays(wall = Date.now()) {
      const finishedBefore = Math.floor((scenarioAt(record, wall) - SUMMARY_DELAY_MS) / DAY_MS) * DAY_MS;
      const days: string[] = [];
      for (let t = dayStartMs(record.summarizedThrough) + DAY_MS; t < finishedBefore; t += DAY_MS) days.push(dayOf(t));
      return days;
    },
    summarized(day) {
      if (day > record.summarizedThrough) record.summarizedThrough = day;
      save();
    },
  };
}

/** The earlier run's record; a missing one starts a new timeline, and so does an unreadable one (said on `warn`). */
function readRecord(path: string, warn: (line: string) => void): ClockRecord | undefined {
  if (!existsSync(path)) return undefined;
  let why: string;
  try {
    const parsed = ClockRecord.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (parsed.success) return parsed.data;
    why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  } catch (e) {
    why = e instanceof Error ? e.message : String(e);
  }
  warn(`pulsepet demo: ${path} is not a demo clock record (${why}); the pets' scenario time starts again, ${DEMO_SPAN_MS / 3_600_000} hours of demo before the present`);
  return undefined;
}
