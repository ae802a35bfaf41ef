import type { DailyExplanation, DailyMetrics, DailyShadowState } from '../../protocol/daily';
import type { Persona } from '../../protocol/shadows';
import type { HistoryDay, ZScore } from './anomalies';
import type { ExplainInput } from './explain-words';
import type { MinuteRow } from './minute-rows';

/** The day's telemetry as per-minute aggregates (client-timestream-query over table `telemetry`). */
export interface TelemetryPort {
  /** one row per minute with samples in [fromMs, toMs) */
  minutes(thing: string, fromMs: number, toMs: number): Promise<MinuteRow[]>;
}

/** What record `day` holds: the metrics, their z-scores and the explanation. */
export interface StoredDay {
  metrics: DailyMetrics;
  zScores: readonly ZScore[];
  explanation: DailyExplanation;
}

/** Table `daily` (client-timestream-query to read, client-timestream-write to write). */
export interface DailyStorePort {
  /** the stored days in [fromMs, toMs), oldest first; none when the table does not exist yet */
  history(thing: string, fromMs: number, toMs: number): Promise<HistoryDay[]>;
  /** upserts the day's record `day` (time = the day's start); `version` orders rewrites */
  write(thing: string, dayStart: number, day: StoredDay, version: number): Promise<void>;
}

/** The `daily` named shadow (client-iot-data-plane). */
export interface DailyShadowPort {
  /** the day the shadow shows now, and the version to update against; undefined when it does not exist */
  read(thing: string): Promise<{ day?: string; version: number } | undefined>;
  /** replaces `reported` (absent metrics as null) if the version still matches; 'conflict' on 409 */
  write(thing: string, state: DailyShadowState, expectedVersion: number | undefined): Promise<'ok' | 'conflict'>;
}

/** The things to summarize on a scheduled run (client-iot ListThings). */
export interface ThingListPort {
  list(): AsyncIterable<string>;
}

/** The wearer's persona (the `config` named shadow, client-iot-data-plane). */
export interface PersonaPort {
  persona(thing: string): Promise<Persona>;
}

/** The day's explanation in words (Bedrock Converse, or the deterministic template). */
export interface ExplainPort {
  /** never fails for want of an LLM: the template answers then; `runDeadline` (epoch ms) bounds any LLM call */
  explain(input: ExplainInput, runDeadline?: number): Promise<DailyExplanation>;
}
