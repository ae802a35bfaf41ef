/**
 * How many LLM calls the coach makes per device-day (issue 14: goal ≤ 8, against 2,880
 * for a call per 30-second batch). Every scenario of the evaluation's generators, and a
 * composed ordinary day, made into whole UTC days for every wearer persona and seed,
 * replayed batch by batch through the real `reason()` loop and BudgetedCoach (the real
 * budget rules, kept in an in-memory `reasoning` shadow with version checks) with a
 * counting LLM coach that answers at once. Reports, per scenario and overall, the
 * distribution of LLM calls, cached answers and budget skips by reason per device-day,
 * and the state changes behind them. Pure computation (no stack). Not a test.
 *
 *   npx tsx bench/coach-calls.ts [--seeds 3] [--batch-seconds 30] [--days 1]
 *
 * With `--days 2` or more a device lives through consecutive days, so each day after
 * the first starts with the window, energy and budget the previous one left.
 */
import { z } from 'zod';
import { DEFAULT_COACH_LIMITS } from '../functions/index';
import { benchFlags } from './broker-support';
import { figuresByPlan, replayFleet } from './coach-figures';
import { countingLlm, DAY_METHOD } from './coach-replay';

const flags = benchFlags(
  { seeds: { type: 'string' }, 'batch-seconds': { type: 'string' }, days: { type: 'string' } },
  z.object({
    seeds: z.coerce.number().int().min(1).max(20).default(3),
    // ≤ 300 s: a 1 Hz batch then stays within telemetry v1's 600 samples
    'batch-seconds': z.coerce.number().int().min(5).max(300).default(30),
    days: z.coerce.number().int().min(1).max(14).default(1),
  }),
);

const limits = DEFAULT_COACH_LIMITS;
const started = performance.now();
const days = await replayFleet({ seeds: flags.seeds, days: flags.days, stepMs: flags['batch-seconds'] * 1000, limits, llm: countingLlm });
const { perScenario, overall } = figuresByPlan(days, limits);
const calls = (overall as { llmCallsPerDay: { max: number; p50: number } }).llmCallsPerDay;
const naive = Math.round(86_400 / flags['batch-seconds']);

process.stdout.write(
  `${JSON.stringify({
    bench: 'coach-calls',
    batchSeconds: flags['batch-seconds'],
    seedsPerScenario: flags.seeds,
    daysPerDevice: flags.days,
    wearers: 'the five evaluation personas; the coach persona (strict/encouraging) alternates over wearers and seeds (it is only part of the cache key)',
    limits,
    howDaysAreMade: DAY_METHOD,
    perScenario,
    overall,
    naive: {
      perBatchCallsPerDay: naive,
      perStateChangeCallsPerDay: (overall as { stateChangesPerDay: { mean: number } }).stateChangesPerDay.mean,
    },
    goal: { maxCallsPerDeviceDay: limits.callsPerDay, measuredMax: calls.max, measuredP50: calls.p50, met: calls.max <= limits.callsPerDay },
    elapsedSeconds: Math.round((performance.now() - started) / 1000),
    what: 'LLM calls per device-day through the real reason() loop and BudgetedCoach (cache per persona and state hash for 30 min, ≤ 1 call per 30 min unless the state got worse, ≤ 8 per UTC day); cached and budget-skipped requests are worded by the deterministic coach',
  })}\n`,
);
