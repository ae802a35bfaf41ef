/**
 * The demo's scenario clock, kept across restarts in `DIR/demo-clock.json`.
 *
 * The fleet pets play scenario time K× faster, and no sample may be in the future, so
 * their time starts in the past: (K − 1) × 24 h back on the first run, so that 24 hours
 * of demo reach the present. A later run carries on where the last one stopped instead of
 * starting that far back again: it would write over the times the last run wrote, and
 * each pet's state, judged at its newest data, would stand still until the new data
 * passed the old. The record is written at the start and on every status tick; a run
 * resumes one tick of scenario time after the last record, past anything its fleet wrote
 * before it stopped. Scenario time never passes the wall clock: once it reaches it, the
 * fleet runs at 1×.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** How often a running demo records that it is alive (its status tick). */
export const CLOCK_TICK_MS = 10_000;

/** Wall time the sped-up scenario takes to reach the present on a first run. */
export const DEMO_SPAN_MS = 24 * 3_600_000;

const ClockRecord = z.object({
  /** wall time this record's run started (epoch ms) */
  wallStart: z.number().int(),
  /** scenario time at wallStart */
  scenarioStart: z.number().int(),
  speedup: z.number().min(1),
  /** the latest wall time the run was known to be alive */
  lastWall: z.number().int(),
});
type ClockRecord = z.infer<typeof ClockRecord>;

export interface DemoClock {
  /** scenario time at the start of this run (epoch ms), for `simulate --scenario-start` */
  readonly scenarioStart: number;
  /** true when an earlier run's timeline goes on */
  readonly resumed: boolean;
  /** records that this run is still alive at `wall` (called on each status tick) */
  alive(wall?: number): void;
}

const scenarioAt = (r: ClockRecord, wall: number) => Math.min(wall, r.scenarioStart + r.speedup * (wall - r.wallStart));

/**
 * Opens the clock of a demo data dir: a new timeline, or the one an earlier run left,
 * resumed `tickMs` of wall time (at its speedup) after its last record.
 * @example const clock = openDemoClock('.pulsepet-demo', 30, 10_000); clock.scenarioStart;
 */
export function openDemoClock(dir: string, speedup: number, tickMs: number, now = Date.now(), warn: (line: string) => void = () => {}): DemoClock {
  const path = join(dir, 'demo-clock.json');
  const earlier = readRecord(path, warn);
  const scenarioStart = earlier === undefined ? Math.round(now - (speedup - 1) * DEMO_SPAN_MS) : Math.min(now, Math.round(scenarioAt(earlier, earlier.lastWall + tickMs)));
  const record: ClockRecord = { wallStart: now, scenarioStart, speedup, lastWall: now };
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
