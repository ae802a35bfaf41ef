/**
 * The daily summary for the fleet pets' scenario days. The `daily_summary` schedule runs
 * it at 00:15 UTC for the wall clock's yesterday; the fleet pets live K× faster in the
 * past, so the demo starts it itself, with the real `client-lambda`, for each scenario day
 * they finish, as the schedule does (an asynchronous Invoke; Lambda retries a failure).
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { FUNCTION_NAMES } from '../../protocol/resources';
import type { DemoClock } from './clock';

/** At most this many days a call: a stopped timeline does not run on, so only a slow tick has more. */
const MAX_DAYS_A_CALL = 3;

/**
 * Starts the daily summary of `things` for each finished scenario day not yet started;
 * returns the days started. A refused or failed Invoke throws, and its day stays due.
 * @example await summarizeFinishedDays(clock, lambda, ['demo-00001']); // ['2026-11-08']
 */
export async function summarizeFinishedDays(clock: Pick<DemoClock, 'dueDays' | 'summarized'>, lambda: LambdaClient, things: readonly string[], wall = Date.now()): Promise<string[]> {
  const started: string[] = [];
  for (const day of clock.dueDays(wall).slice(0, MAX_DAYS_A_CALL)) {
    const payload = new TextEncoder().encode(JSON.stringify({ day, things }));
    const out = await lambda.send(new InvokeCommand({ FunctionName: FUNCTION_NAMES.dailySummary, InvocationType: 'Event', Payload: payload }));
    if (out.StatusCode !== 202) throw new Error(`Invoke ${FUNCTION_NAMES.dailySummary} for ${day} answered ${out.StatusCode}, not 202`);
    clock.summarized(day);
    started.push(day);
  }
  return started;
}

/**
 * Every `everyMs`: records the demo alive on its clock, then starts the daily summary of
 * the days the fleet finished (one call at a time). `say` gets a line for the days
 * started, `warn` a line when they could not be (once per distinct reason; retried on the
 * next tick). Returns what stops it.
 */
export function keepDailySummaries(
  clock: DemoClock,
  lambda: LambdaClient,
  things: readonly string[],
  everyMs: number,
  out: { say: (line: string) => void; warn: (line: string) => void },
): () => void {
  let busy = false;
  let lastProblem: string | undefined;
  const timer = setInterval(() => {
    clock.alive();
    if (busy) return;
    busy = true;
    summarizeFinishedDays(clock, lambda, things)
      .then((days) => {
        lastProblem = undefined;
        if (days.length > 0) out.say(`pulsepet demo: the daily summary of ${days.join(', ')} started for ${things.join(', ')} (their scenario days)`);
      })
      .catch((e: unknown) => {
        const problem = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        if (problem !== lastProblem) out.warn(`pulsepet demo: the daily summary could not be started (${problem}); trying again every ${everyMs / 1000} s`);
        lastProblem = problem;
      })
      .finally(() => {
        busy = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
