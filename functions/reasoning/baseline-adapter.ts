import { QueryCommand, type TimestreamQueryClient, ValidationException } from '@aws-sdk/client-timestream-query';
import type { Baseline } from '../../protocol/models';
import { PulsepetError } from '../../protocol/errors';
import { THING_NAME_RE } from '../../protocol/topics';
import { populationBaseline } from './models/index';
import { minutesFromRows } from '../daily-summary/minute-rows';
import { parseTimestreamTime, type TimestreamTables, timestreamTelemetry } from '../daily-summary/timestream-adapters';
import type { BaselinePort, WindowPort } from './ports';

interface Day {
  t: number;
  restingHrBpm?: number;
  lnRmssdRest?: number;
  sleepMin?: number;
  skinTempC?: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  if (xs.length < 2) return undefined;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

/**
 * The wearer's baseline from their last 60 days in table `daily`: resting HR and ln RMSSD
 * means and spreads (60 days), the 7-day ln RMSSD rolling mean (Plews et al. 2013), sleep
 * and skin temperature. Fields without data come from the population priors.
 */
export function baselineFromDays(days: readonly Day[], now: number): Baseline {
  const prior = populationBaseline();
  const values = (k: keyof Day, since = 0) => days.filter((d) => d.t >= since && typeof d[k] === 'number').map((d) => d[k] as number);
  const weekAgo = now - 7 * 86_400_000;
  const rhr = values('restingHrBpm');
  const ln = values('lnRmssdRest');
  const ln7 = values('lnRmssdRest', weekAgo);
  const sleep7 = values('sleepMin', weekAgo);
  const skin = values('skinTempC');
  const out: Baseline = { ...prior, days: days.length };
  if (rhr.length > 0) out.restingHrBpm = mean(rhr);
  const rhrSd = sd(rhr);
  if (rhrSd !== undefined) out.restingHrSdBpm = rhrSd;
  if (ln.length > 0) out.lnRmssdMean60d = mean(ln);
  const lnSd = sd(ln);
  if (lnSd !== undefined) out.lnRmssdSd60d = lnSd;
  if (ln7.length > 0) out.lnRmssd7d = mean(ln7);
  if (sleep7.length > 0) out.sleepMin7d = mean(sleep7);
  if (skin.length > 0) out.skinTempC = mean(skin);
  return out;
}

/**
 * Reads the baseline with the real `client-timestream-query`. A missing table or column
 * (no daily summary written yet) means a new wearer: population priors, 0 days.
 */
export function timestreamBaselines(client: TimestreamQueryClient, database: string, table: string): BaselinePort {
  return {
    async baseline(thing, now) {
      if (!THING_NAME_RE.test(thing)) throw new PulsepetError('PP_ERR_VALIDATION', `invalid thing name ${JSON.stringify(thing)}`);
      // SELECT *: a measure no day has carried yet (e.g. skin temperature) has no column.
      const sql = `SELECT * FROM "${database}"."${table}" WHERE thing = '${thing}' AND measure_name = 'day' AND time > ago(60d) ORDER BY time`;
      const days: Day[] = [];
      try {
        let NextToken: string | undefined;
        do {
          const out = await client.send(new QueryCommand({ QueryString: sql, ...(NextToken ? { NextToken } : {}) }));
          const names = (out.ColumnInfo ?? []).map((c) => c.Name ?? '');
          for (const row of out.Rows ?? []) {
            const cell = (name: string) => {
              const d = row.Data?.[names.indexOf(name)];
              return d === undefined || d.NullValue ? undefined : d.ScalarValue;
            };
            const day: Day = { t: parseTimestreamTime(String(cell('time'))) };
            for (const k of ['restingHrBpm', 'lnRmssdRest', 'sleepMin', 'skinTempC'] as const) {
              const v = cell(k);
              if (v !== undefined) day[k] = Number(v);
            }
            days.push(day);
          }
          NextToken = out.NextToken;
        } while (NextToken);
      } catch (e) {
        if (e instanceof ValidationException && /does not exist/.test(e.message)) return { ...populationBaseline(), days: 0 };
        throw e;
      }
      return baselineFromDays(days, now);
    },
  };
}

/**
 * The window's minutes from table `telemetry` (per-minute aggregates computed in SQL, as
 * the daily summary reads a day), for rebuilding the window after a gap.
 */
export function recentWindow(client: TimestreamQueryClient, tables: TimestreamTables): WindowPort {
  const telemetry = timestreamTelemetry(client, tables);
  return { recentMinutes: async (thing, fromMs, toMs) => minutesFromRows(await telemetry.minutes(thing, fromMs, toMs)) };
}
