import { type ColumnInfo, QueryCommand, type TimestreamQueryClient, ValidationException } from '@aws-sdk/client-timestream-query';
import { TIMESTREAM } from '../../protocol/resources';
import { THING_NAME_RE } from '../../protocol/topics';

/**
 * The display's history, read with the real `client-timestream-query` (the role may
 * only query): which pets exist and when each last sent data (table `telemetry`), their
 * device's last connect/disconnect (table `presence`, written by the
 * `presence_to_timestream` rule), HR and HRV per minute over the last hours
 * (`telemetry`), and the stress states the pet was given (`petStates`, written by the
 * `pet_state_to_timestream` rule from every `pet` shadow write).
 */

export type Row = ReadonlyMap<string, string | undefined>;

/** Timestream renders a timestamp as 'YYYY-MM-DD HH:MM:SS.nnnnnnnnn' (UTC). */
export function parseTime(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const ms = Date.parse(`${s.slice(0, 23).replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

function table(database: string, name: string): string {
  if (!/^[a-zA-Z0-9_.-]{3,256}$/.test(database)) throw new RangeError(`not a Timestream database name: ${JSON.stringify(database)}`);
  return `"${database}"."${name}"`;
}

function thingLiteral(thing: string): string {
  // thing names are [a-zA-Z0-9:_-]: nothing in one can close the quote
  if (!THING_NAME_RE.test(thing)) throw new RangeError(`not a thing name: ${JSON.stringify(thing)}`);
  return `'${thing}'`;
}

export const sql = {
  /** every thing that sent data in the last 30 days, with its latest sample time */
  fleet: (db: string) => `SELECT thing, max(time) AS last_at FROM ${table(db, TIMESTREAM.telemetryTable)} WHERE time > ago(30d) GROUP BY thing ORDER BY thing`,
  /** every client's latest presence event; `connected` is a boolean measure */
  presence: (db: string) =>
    `SELECT thing, max_by(measure_value::boolean, time) AS connected, max(time) AS at FROM ${table(db, TIMESTREAM.presenceTable)} WHERE measure_name = 'connected' AND time > ago(30d) GROUP BY thing`,
  /** HR and HRV per minute within a window (ms) */
  vitals: (db: string, thing: string, w: ChartWindow) =>
    `SELECT bin(time, 1m) AS minute, avg(hr) AS hr, avg(hrvRmssd) AS hrv FROM ${table(db, TIMESTREAM.telemetryTable)} WHERE thing = ${thingLiteral(thing)} AND measure_name = 'vitals' AND ${between(w.from, w.to)} GROUP BY bin(time, 1m) ORDER BY minute`,
  /** the pet's stress states within a window (and the day before it, for the state at the window's start) */
  stress: (db: string, thing: string, w: ChartWindow) =>
    `SELECT time, measure_value::varchar AS stress FROM ${table(db, TIMESTREAM.petStateTable)} WHERE thing = ${thingLiteral(thing)} AND measure_name = 'stress' AND ${between(w.from - DAY_MS, w.to)} ORDER BY time`,
};

const DAY_MS = 86_400_000;

function between(from: number, to: number): string {
  if (!Number.isSafeInteger(Math.round(from)) || !Number.isSafeInteger(Math.round(to))) throw new RangeError(`not a time window: ${from}–${to}`);
  return `time BETWEEN from_milliseconds(${Math.round(from)}) AND from_milliseconds(${Math.round(to)})`;
}

/** The stretch of time a pet page's charts show (ms); `live` when it ends now. */
export interface ChartWindow {
  from: number;
  to: number;
  live: boolean;
}

/** Data this close to now counts as live: the window ends now. */
export const LIVE_WITHIN_MS = 10 * 60_000;

/**
 * The `hours` the charts show: up to now while the pet's data is recent, else up to its
 * latest data. A device that stopped sending, or a simulator playing scenario time faster
 * than the clock (whose samples stay in the past), still shows its last hours of data
 * rather than an empty window.
 */
export function chartWindow(now: number, latest: number | undefined, hours: number): ChartWindow {
  const to = latest === undefined || latest >= now - LIVE_WITHIN_MS ? now : latest;
  return { from: to - hours * 3_600_000, to, live: to === now };
}

/**
 * A table nobody has written yet (a new deployment: the table is missing, or has no
 * dimension or measure columns yet): no rows, not an error.
 */
function isNotWrittenYet(e: unknown): boolean {
  return e instanceof ValidationException && /(table|database) \S+ does not exist|Column '[^']+' (cannot be resolved|does not exist)/i.test(e.message);
}

/** Every row of a query, following NextToken; an empty list when the table does not exist yet. */
export async function queryRows(client: TimestreamQueryClient, queryString: string): Promise<Row[]> {
  const out: Row[] = [];
  let NextToken: string | undefined;
  try {
    do {
      const page = await client.send(new QueryCommand({ QueryString: queryString, ...(NextToken ? { NextToken } : {}) }));
      const names = (page.ColumnInfo ?? []).map((c: ColumnInfo) => c.Name ?? '');
      for (const row of page.Rows ?? []) {
        const m = new Map<string, string | undefined>();
        names.forEach((n, i) => {
          const d = row.Data?.[i];
          m.set(n, d === undefined || d.NullValue ? undefined : d.ScalarValue);
        });
        out.push(m);
      }
      NextToken = page.NextToken;
    } while (NextToken);
  } catch (e) {
    if (isNotWrittenYet(e)) return [];
    throw e;
  }
  return out;
}

export interface FleetRow {
  thing: string;
  /** latest sample time (ms) */
  lastSampleAt?: number;
}
export interface Presence {
  connected: boolean;
  at: number;
}

export function fleetRows(rows: readonly Row[]): FleetRow[] {
  const out: FleetRow[] = [];
  for (const r of rows) {
    const thing = r.get('thing');
    if (thing === undefined || !THING_NAME_RE.test(thing)) continue;
    const last = parseTime(r.get('last_at'));
    out.push({ thing, ...(last === undefined ? {} : { lastSampleAt: last }) });
  }
  return out;
}

export function presenceRows(rows: readonly Row[]): Map<string, Presence> {
  const out = new Map<string, Presence>();
  for (const r of rows) {
    const thing = r.get('thing');
    const at = parseTime(r.get('at'));
    const connected = r.get('connected');
    if (thing === undefined || at === undefined || connected === undefined) continue;
    out.set(thing, { connected: connected === 'true', at });
  }
  return out;
}

/** One minute of vitals: time (ms), mean HR (bpm) and mean RMSSD (ms), null where the minute had none. */
export interface VitalsSeries {
  t: number[];
  hr: Array<number | null>;
  hrv: Array<number | null>;
}

export function vitalsSeries(rows: readonly Row[]): VitalsSeries {
  const s: VitalsSeries = { t: [], hr: [], hrv: [] };
  const num = (v: string | undefined) => (v === undefined || Number.isNaN(Number(v)) ? null : Number(v));
  for (const r of rows) {
    const t = parseTime(r.get('minute'));
    if (t === undefined) continue;
    s.t.push(t);
    s.hr.push(num(r.get('hr')));
    s.hrv.push(num(r.get('hrv')));
  }
  return s;
}

export const STRESS_STATES = ['rest', 'exercise', 'stress', 'unknown'] as const;
export type StressState = (typeof STRESS_STATES)[number];
/** A stretch of one stress state: from `from` until `to` (ms). */
export interface StressSpan {
  state: StressState;
  from: number;
  to: number;
}

/**
 * The stress states as spans inside [windowStart, now]: each state lasts until the next
 * one; the state before the window (if any) covers its start; before any state: no span.
 */
export function stressSpans(rows: readonly Row[], windowStart: number, now: number): StressSpan[] {
  const points: Array<{ t: number; state: StressState }> = [];
  for (const r of rows) {
    const t = parseTime(r.get('time'));
    const state = r.get('stress');
    if (t === undefined || !(STRESS_STATES as readonly string[]).includes(state ?? '')) continue;
    points.push({ t, state: state as StressState });
  }
  points.sort((a, b) => a.t - b.t);
  const spans: StressSpan[] = [];
  points.forEach((p, i) => {
    const from = Math.max(p.t, windowStart);
    const to = Math.min(points[i + 1]?.t ?? now, now);
    if (to <= from) return;
    const last = spans[spans.length - 1];
    if (last && last.state === p.state && last.to === from) last.to = to;
    else spans.push({ state: p.state, from, to });
  });
  return spans;
}
