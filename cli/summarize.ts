/**
 * `pulsepet summarize THING [--date YYYY-MM-DD] [--json]`: computes and writes one
 * thing's day with the daily summary's own code over the real clients, built from the
 * standard AWS environment (AWS_ENDPOINT_URL for the local stack, or AWS), and prints
 * the day's metrics and anomalies.
 */
import { z } from 'zod';
import { parseFlags, UsageError } from '../common/cli-config';
import { EXIT_CODES } from '../common/exit-codes';
import type { AnomalyMetric, DailyMetrics } from '../protocol/daily';
import { isPulsepetError } from '../protocol/errors';
import { THING_NAME_RE } from '../protocol/topics';
import { loadDailySummaryConfig } from '../functions/daily-summary/config';
import { dailySummaryDeps } from '../functions/daily-summary/handler';
import { type DaySummary, isUtcDay, previousUtcDay, summarizeDay } from '../functions/daily-summary/summarize-day';

export const SUMMARIZE_USAGE = `usage: pulsepet summarize THING [--date YYYY-MM-DD] [--json]

Computes THING's daily metrics for one UTC day (default: yesterday), writes them to
Timestream table daily and the thing's daily shadow, and prints them with their
anomalies (|z| >= 2 against the thing's own previous 30 and 60 days) and the day's
explanation in the persona of THING's config shadow: worded by Bedrock (Converse;
PULSEPET_COACH=deterministic for the template only) or, when that fails, by the
deterministic template. Running it again for the same day writes the same record. Endpoint and credentials come from
the standard AWS environment (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, ...).

Exit codes: 0 ok (also for a day without telemetry), 2 bad flags or an AWS call that
failed (one line on stderr saying why), as for 'pulsepet fleet'.
`;

const Flags = z.object({
  help: z.boolean().default(false),
  json: z.boolean().default(false),
  date: z
    .string()
    .optional()
    .refine((d) => d === undefined || isUtcDay(d), 'must be a date YYYY-MM-DD'),
  positionals: z.array(z.string()),
});


const LABELS: Record<AnomalyMetric, [string, (v: number) => string]> = {
  restingHrBpm: ['resting HR', (v) => `${v.toFixed(1)} bpm`],
  lnRmssdRest: ['rest ln RMSSD', (v) => `${v.toFixed(3)} (RMSSD ${Math.exp(v).toFixed(0)} ms)`],
  steps: ['steps', (v) => String(Math.round(v))],
  activeMin: ['active', (v) => `${Math.round(v)} min`],
  stressMin: ['stress', (v) => `${Math.round(v)} min`],
  sleepMin: ['sleep', (v) => `${Math.floor(v / 60)} h ${String(Math.round(v % 60)).padStart(2, '0')} min`],
  skinTempC: ['skin temp', (v) => `${v.toFixed(2)} °C`],
};

/** Words of `text` in lines of at most `width` characters (a longer word keeps its own line). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The human report of a summarized day. */
export function formatSummary(s: DaySummary): string {
  if (s.outcome === 'empty' || s.metrics === undefined) return `${s.thing} · ${s.day} (UTC): no telemetry that day; nothing written\n`;
  const m: DailyMetrics = s.metrics;
  const lines = [`${s.thing} · ${s.day} (UTC) · ${m.samples} samples · baseline from ${s.historyDays} earlier day(s)`];
  for (const [k, [label, fmt]] of Object.entries(LABELS) as Array<[AnomalyMetric, (typeof LABELS)[AnomalyMetric]]>) {
    const v = m[k];
    lines.push(`  ${label.padEnd(14)} ${v === undefined ? '— (not enough data)' : fmt(v)}`);
  }
  if (s.anomalies.length === 0) {
    lines.push(s.zScores.length === 0 ? 'anomalies: none judged yet (each window needs 7 earlier days)' : 'anomalies: none (every |z| < 2)');
  } else {
    lines.push('anomalies (|z| >= 2 against the thing’s own days):');
    for (const a of s.anomalies) {
      const [label, fmt] = LABELS[a.metric];
      lines.push(`  ${label.padEnd(14)} ${a.direction.padEnd(4)} z=${a.z > 0 ? '+' : ''}${a.z.toFixed(1)}  ${fmt(a.value)} vs ${fmt(a.mean)} (${a.windowDays} d)`);
    }
  }
  if (s.explanation) lines.push(`explanation (${s.explanation.source}):`, ...wrap(s.explanation.text, 76).map((l) => `  ${l}`));
  lines.push(`written to table daily${s.shadowUpdated ? '; daily shadow updated' : '; the daily shadow shows a later day'}`);
  return `${lines.join('\n')}\n`;
}

/** `pulsepet summarize …`: returns the exit code. */
export async function summarize(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const flags = parseFlags(argv, { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' }, date: { type: 'string' } }, Flags, (v, p) => ({ ...v, positionals: p }));
  if (flags.help) {
    out.write(SUMMARIZE_USAGE);
    return EXIT_CODES.ok;
  }
  const [thing, ...extra] = flags.positionals;
  if (thing === undefined) throw new UsageError(['a THING is required']);
  if (extra.length > 0) throw new UsageError([`unexpected arguments: ${extra.join(' ')}`]);
  if (!THING_NAME_RE.test(thing)) throw new UsageError([`THING: ${JSON.stringify(thing)} is not a valid thing name`]);
  const config = (() => {
    try {
      return loadDailySummaryConfig({ LOG_LEVEL: 'warn', ...process.env });
    } catch (e) {
      throw new UsageError([e instanceof Error ? e.message : String(e)]);
    }
  })();
  // no EMF lines from a CLI run: they are for the function's CloudWatch log group, and stderr stays for errors
  const built = dailySummaryDeps(config, { metrics: () => {} });
  try {
    const s = await summarizeDay(thing, flags.date ?? previousUtcDay(Date.now()), built.deps);
    out.write(flags.json ? `${JSON.stringify(s)}\n` : formatSummary(s));
    return EXIT_CODES.ok;
  } catch (e) {
    if (!isPulsepetError(e)) throw e;
    // as `pulsepet fleet` does: an AWS failure is one line and exit 2 (endpoint, credentials, data)
    err.write(`pulsepet summarize: ${e.message}\n`);
    return EXIT_CODES.usage;
  } finally {
    built.destroy();
  }
}
