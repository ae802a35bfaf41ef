import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import type { FunctionErrorReport } from '../../protocol/error-report';
import { PulsepetError } from '../../protocol/errors';
import { createDailySummaryHandler } from './handler';
import type { MinuteRow } from './minute-rows';
import { DayExplainer, type LlmExplainer } from './explainer';
import type { DailyShadowPort, DailyStorePort, TelemetryPort, ThingListPort } from './ports';
import { runScheduled } from './scheduled-run';

/** The run's control flow over in-memory ports; the adapters are tested against the local store and stack. */

const DAY = Date.UTC(2024, 4, 1);
const rows: MinuteRow[] = Array.from({ length: 60 }, (_, i) => ({ t: DAY + i * 60_000, samples: 60, n: 60, hrMedianBpm: 60, rmssdMedianMs: 45, steps: 0, accelMeanG: 1 }));

function ports(opts: { failWrite?: Record<string, Error>; llm?: LlmExplainer } = {}) {
  const written: string[] = [];
  const now = () => DAY + 2 * 86_400_000;
  const explainer = new DayExplainer({ llm: opts.llm, deadlineMs: 5_000, logger: silentLogger(), metrics: () => {}, clock: now });
  const telemetry: TelemetryPort = { minutes: async (thing) => (thing === 'pet-empty' ? [] : rows) };
  const daily: DailyStorePort = {
    history: async () => [],
    write: async (thing) => {
      const e = opts.failWrite?.[thing];
      if (e) throw e;
      written.push(thing);
    },
  };
  const shadow: DailyShadowPort = { read: async () => undefined, write: async () => 'ok' };
  const things: ThingListPort = {
    async *list() {
      yield* ['pet-a', 'pet-empty', 'pet-b'];
    },
  };
  const persona = { persona: async () => 'strict' as const };
  return { written, deps: { telemetry, daily, shadow, persona, explainer, things, logger: silentLogger(), now } };
}

describe('Function: runScheduled', () => {
  it('summarizes every listed thing for the UTC day before the scheduled time', async () => {
    const p = ports();
    const r = await runScheduled({ scheduledTime: '2024-05-02T00:15:00Z' }, p.deps);
    expect(r).toEqual({ day: '2024-05-01', written: 2, empty: 1, failed: [] });
    expect(p.written).toEqual(['pet-a', 'pet-b']);
  });

  it('takes an explicit day and things over the schedule’s', async () => {
    const p = ports();
    expect(await runScheduled({ day: '2024-05-01', things: ['pet-b'] }, p.deps)).toMatchObject({ day: '2024-05-01', written: 1 });
    expect(p.written).toEqual(['pet-b']);
  });

  it('carries on past a thing refused for good, and reports it', async () => {
    const p = ports({ failWrite: { 'pet-a': new PulsepetError('PP_ERR_VALIDATION', 'rejected') } });
    const r = await runScheduled({ day: '2024-05-01' }, p.deps);
    expect(r.failed).toEqual([{ thing: 'pet-a', code: 'PP_ERR_VALIDATION', message: 'rejected' }]);
    expect(p.written).toEqual(['pet-b']);
  });

  it('fails the run for a retry after the other things are done when a failure is transient', async () => {
    const p = ports({ failWrite: { 'pet-a': new PulsepetError('PP_ERR_STORE', 'store down', { retryable: true }) } });
    await expect(runScheduled({ day: '2024-05-01' }, p.deps)).rejects.toMatchObject({ code: 'PP_ERR_STORE', retryable: true });
    expect(p.written).toEqual(['pet-b']);
  });
});

describe('Function: createDailySummaryHandler', () => {
  it('refuses an event that is not a schedule input, on the error channel, without a retry', async () => {
    const reports: FunctionErrorReport[] = [];
    const handler = createDailySummaryHandler({ ...ports().deps, report: async (r) => void reports.push(r) });
    expect(await handler({ day: 'yesterday' })).toMatchObject({ refused: true, code: 'PP_ERR_VALIDATION' });
    expect(reports[0]).toMatchObject({ functionName: 'pulsepet-daily-summary', code: 'PP_ERR_VALIDATION', retryable: false });
  });

  it('stops asking the LLM when the invocation is within 30 s of its timeout, and explains with the template', async () => {
    const deadlines: number[] = [];
    const llm: LlmExplainer = {
      word: async (_input, deadline) => {
        deadlines.push(deadline);
        return { text: 'Worded by the model.', usage: { inputTokens: 1, outputTokens: 1 }, attempts: 1, latencyMs: 1 };
      },
    };
    const p = ports({ llm });
    const handler = createDailySummaryHandler({ ...p.deps, report: async () => {} });
    await handler({ day: '2024-05-01', things: ['pet-a'] }, { getRemainingTimeInMillis: () => 20_000 });
    expect(deadlines).toEqual([]);
    await handler({ day: '2024-05-01', things: ['pet-a'] }, { getRemainingTimeInMillis: () => 32_000 });
    // 2 s left before the margin: the call's deadline is the run's, not its own 5 s
    expect(deadlines).toEqual([p.deps.now() + 2_000]);
  });
});
