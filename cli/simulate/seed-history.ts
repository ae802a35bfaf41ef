/**
 * `pulsepet simulate seed-history --thing T --days N --scenario burnout|illness|ordinary`:
 * writes N past UTC days (ending yesterday, or the day before `--before DAY`) of a labelled history (simulators/body:
 * 60 ordinary days then a 14-day burnout or a 5-day illness; the last N of them) into
 * table `telemetry` through the ingest function's own code and the real
 * `client-timestream-write`, then runs the daily summary for each day, oldest first, so
 * the thing has the baselines and `daily` records a demo needs before it starts.
 */
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { parseFlags, UsageError } from '../../common/cli-config';
import { createLogger, type Logger } from '../../common/logger';
import { createTimestreamWriteClient } from '../../common/timestream-write-client';
import type { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { isPulsepetError } from '../../protocol/errors';
import { TIMESTREAM } from '../../protocol/resources';
import { buildTelemetryBatch, MAX_SAMPLES_PER_BATCH, type Sample } from '../../protocol/telemetry';
import { iotDailyShadow, iotPersona } from '../../functions/daily-summary/aws-adapters';
import { DayExplainer } from '../../functions/daily-summary/explainer';
import { type DaySummary, dayStartMs, summarizeDay, type SummarizeDeps } from '../../functions/daily-summary/summarize-day';
import { timestreamDaily, timestreamTelemetry } from '../../functions/daily-summary/timestream-adapters';
import { ingest } from '../../functions/ingest/ingest';
import { dayKind, downsample, generateDay } from '../../simulators/body/days';
import { generateHistory, type History, NORMAL_DAYS } from '../../simulators/body/history';
import { persona } from '../../simulators/body/personas';
import { bodyPersonaFor } from '../../simulators/index';
import { pool } from '../fleet/provision';
import { simulateEnv } from './env';
import { unregisteredNote } from './registry-note';
import { SEED_FLAGS, SeedFlags } from './flags';
import type { SimulateIo } from './run';

const DAY_MS = 86_400_000;

/** The history's rows the N days come from: the last N of its ordinary part, or of all of it. */
export function seededRows(h: History, scenario: SeedFlags['scenario'], days: number): number[] {
  const last = scenario === 'ordinary' ? NORMAL_DAYS - 1 : h.rows.length - 1;
  if (days > last + 1) throw new UsageError([`--days: ${historyName(scenario)} has ${last + 1} days`]);
  return Array.from({ length: days }, (_, k) => last - days + 1 + k);
}

/** Writes one day's samples as telemetry v1 batches through the ingest function's code. */
async function writeDay(thing: string, samples: Sample[], seqBase: number, deps: { client: TimestreamWriteClient; logger: Logger }): Promise<number> {
  const batches: Sample[][] = [];
  for (let i = 0; i < samples.length; i += MAX_SAMPLES_PER_BATCH) batches.push(samples.slice(i, i + MAX_SAMPLES_PER_BATCH));
  await pool(
    batches.map((b, i) => ({ b, i })),
    4,
    async ({ b, i }) => {
      const batch = buildTelemetryBatch({ batchId: `seed-${seqBase}-${i}`, seq: seqBase + i }, b.map((s) => ({ s })));
      await ingest({ thing, ...batch }, { client: deps.client, database: TIMESTREAM.database, table: TIMESTREAM.telemetryTable, logger: deps.logger });
    },
  );
  return samples.length;
}

function dayLine(s: DaySummary, kind: string, samples: number): string {
  const m = s.metrics;
  const parts = [`${s.day} ${kind.padEnd(8)} ${String(samples).padStart(6)} samples`];
  if (m?.restingHrBpm !== undefined) parts.push(`resting HR ${m.restingHrBpm.toFixed(1)} bpm`);
  if (m?.lnRmssdRest !== undefined) parts.push(`ln RMSSD ${m.lnRmssdRest.toFixed(2)}`);
  if (m?.sleepMin !== undefined) parts.push(`sleep ${Math.round(m.sleepMin)} min`);
  if (m?.skinTempC !== undefined) parts.push(`skin ${m.skinTempC.toFixed(2)} °C`);
  // a metric flagged against both its 30- and 60-day windows is named once
  const flagged = [...new Set(s.anomalies.map((a) => `${a.metric} ${a.direction}`))];
  parts.push(flagged.length === 0 ? 'no anomalies' : `anomalies: ${flagged.join(', ')}`);
  return parts.join(' · ');
}

/** "an ordinary history", "a burnout history" */
function historyName(scenario: string): string {
  return `${/^[aeiou]/.test(scenario) ? 'an' : 'a'} ${scenario} history`;
}

/** Runs `pulsepet simulate seed-history`; returns the exit code. */
export async function simulateSeedHistory(argv: string[], io: SimulateIo, now = Date.now()): Promise<number> {
  const f = parseFlags(argv, SEED_FLAGS, SeedFlags);
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const before = f.before === undefined ? today : dayStartMs(f.before);
  if (before > today) throw new UsageError([`--before: ${f.before} is after today (${new Date(today).toISOString().slice(0, 10)}); seeded days lie in the past`]);
  const env = simulateEnv(io.env, f.region);
  // by default the body the fleet simulator plays for this thing with the same --seed: its history is that body's
  const body = f.persona ?? bodyPersonaFor(f.seed, f.thing);
  const h = generateHistory(f.scenario === 'illness' ? 'illness' : 'burnout', persona(body), f.seed);
  const rows = seededRows(h, f.scenario, f.days);
  const logger = createLogger('simulate', { level: 'warn' });
  const write = createTimestreamWriteClient(env.client('timestreamWrite'), logger);
  const query = new TimestreamQueryClient(env.client('timestreamQuery'));
  const iotData = new IoTDataPlaneClient(env.client('iotData'));
  const tables = { database: TIMESTREAM.database, telemetryTable: TIMESTREAM.telemetryTable, dailyTable: TIMESTREAM.dailyTable };
  // past days get the deterministic explanation (the wearer's persona, the day's anomalies): no LLM call per seeded day
  const explainer = new DayExplainer({ llm: undefined, deadlineMs: 0, logger, metrics: () => {} });
  const deps: SummarizeDeps = {
    telemetry: timestreamTelemetry(query, tables),
    daily: timestreamDaily(query, write, tables),
    shadow: iotDailyShadow(iotData),
    persona: iotPersona(iotData),
    explainer,
    logger,
    now: () => Date.now(),
  };
  const lastDay = before - DAY_MS;
  const out: Array<{ day: string; kind: string; samples: number; summary: DaySummary }> = [];
  try {
    const note = await unregisteredNote(env, f.thing, 'its days are written and summarized');
    if (note !== undefined) io.stderr.write(note);
    const whose = f.persona === undefined ? `, the body simulate --seed ${f.seed} plays for it` : '';
    if (!f.json) io.stdout.write(`${f.thing}: ${rows.length} days of ${historyName(f.scenario)}, body persona ${body}${whose}\n`);
    for (const [k, row] of rows.entries()) {
      const dayStart = lastDay - (rows.length - 1 - k) * DAY_MS;
      const samples = downsample(generateDay(h, row, dayStart, f.seed), f['sample-interval']);
      // versions above any earlier seeding of the same days: a rerun replaces them
      const n = await writeDay(f.thing, samples, now + k * 1_000, { client: write, logger });
      const summary = await summarizeDay(f.thing, new Date(dayStart).toISOString().slice(0, 10), deps);
      out.push({ day: summary.day, kind: dayKind(h, row), samples: n, summary });
      if (!f.json) io.stdout.write(`${dayLine(summary, dayKind(h, row), n)}\n`);
    }
  } catch (e) {
    if (!isPulsepetError(e)) throw e;
    io.stderr.write(`pulsepet simulate seed-history: ${e.message}\n`);
    return 2;
  } finally {
    for (const c of [write, query, iotData]) c.destroy();
  }
  if (f.json) io.stdout.write(`${JSON.stringify({ thing: f.thing, scenario: f.scenario, persona: body, days: out.map((d) => ({ day: d.day, kind: d.kind, samples: d.samples, metrics: d.summary.metrics, anomalies: d.summary.anomalies })) })}\n`);
  return 0;
}
