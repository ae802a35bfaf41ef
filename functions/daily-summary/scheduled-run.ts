/**
 * One scheduled run: the function is invoked once (by the `daily_summary` schedule) and
 * summarizes every thing in the registry for the UTC day before the scheduled time, one
 * after another. A thing whose day cannot be summarized for good (bad data) is reported
 * in the result and the others carry on; a transient failure (store or shadow outage)
 * fails the invocation after the others are done, so Lambda retries it — harmless for
 * the things already written, since a rerun writes the same record.
 */
import { z } from 'zod';
import { PulsepetError } from '../../protocol/errors';
import { THING_NAME_RE } from '../../protocol/topics';
import type { ThingListPort } from './ports';
import { previousUtcDay, type SummarizeDeps, summarizeDay } from './summarize-day';

/**
 * The invocation event: what the schedule's Input gives (EventBridge Scheduler fills
 * `<aws.scheduler.scheduled-time>` in), or an explicit day and things for a backfill.
 */
export const DailySummaryEventSchema = z.object({
  /** ISO 8601; the day summarized is the UTC day before it */
  scheduledTime: z.iso.datetime({ offset: true }).optional(),
  /** YYYY-MM-DD, UTC; overrides scheduledTime */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  /** only these things instead of every thing in the registry */
  things: z.array(z.string().regex(THING_NAME_RE)).min(1).max(1000).optional(),
});
export type DailySummaryEvent = z.infer<typeof DailySummaryEventSchema>;

export interface ScheduledRunDeps extends SummarizeDeps {
  things: ThingListPort;
}

export interface ScheduledRunResult {
  day: string;
  written: number;
  empty: number;
  failed: Array<{ thing: string; code: string; message: string }>;
}

export function parseDailySummaryEvent(event: unknown): DailySummaryEvent {
  const r = DailySummaryEventSchema.safeParse(event);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`);
  throw new PulsepetError('PP_ERR_VALIDATION', `invalid daily-summary event: ${problems.join('; ')}`, { details: { problems } });
}

/** Runs the day for every thing (or the event's things); see the module comment. */
export async function runScheduled(event: unknown, deps: ScheduledRunDeps): Promise<ScheduledRunResult> {
  const e = parseDailySummaryEvent(event);
  const day = e.day ?? previousUtcDay(e.scheduledTime === undefined ? deps.now() : Date.parse(e.scheduledTime));
  const result: ScheduledRunResult = { day, written: 0, empty: 0, failed: [] };
  let transient: unknown;
  for await (const thing of e.things ?? deps.things.list()) {
    try {
      const s = await summarizeDay(thing, day, deps);
      if (s.outcome === 'written') result.written++;
      else result.empty++;
    } catch (err) {
      const code = err instanceof PulsepetError ? err.code : 'PP_ERR_INTERNAL';
      result.failed.push({ thing, code, message: err instanceof Error ? err.message.slice(0, 512) : String(err) });
      if (!(err instanceof PulsepetError) || err.retryable) transient ??= err;
      deps.logger.warn({ thing, day, err }, 'day not summarized');
    }
  }
  if (transient !== undefined) {
    throw new PulsepetError('PP_ERR_STORE', `${result.failed.length} thing(s) not summarized for ${day}; retrying the run`, { cause: transient, retryable: true });
  }
  return result;
}
