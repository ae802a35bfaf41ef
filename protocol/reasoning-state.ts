import { z } from 'zod';
import { CoachBudgetSchema } from './coach';
import { BaselineSchema, type MinuteAggregate, MinuteAggregateSchema } from './models';

/** How many batch ids the reasoning shadow remembers for idempotency by (thing, batchId). */
export const RECENT_BATCHES = 48;
/** The rolling window the reasoning function keeps per device, in minutes. */
export const WINDOW_MINUTES = 30;

/** Everything of the state but the window and the batch ids, the same in every layout. */
const CommonFields = {
  /** how many decisions were committed: each successful update adds one (the pet carries the one it shows) */
  decision: z.number().int().min(0).optional(),
  lastStateHash: z.string().max(64).optional(),
  lastExerciseEndedAt: z.number().int().optional(),
  /** when the window was last rebuilt from the store after a gap (at most hourly) */
  lastRebuildAt: z.number().int().optional(),
  energy: z.object({ day: z.string().max(10), spoons: z.number().min(0).max(12), level: z.number().min(0).max(12).optional(), updatedAt: z.number().int() }).strict().optional(),
  /** the wearer's baseline from the `daily` table, refreshed at most about once an hour */
  baseline: z.object({ value: BaselineSchema, fetchedAt: z.number().int() }).strict().optional(),
  /** the LLM coach's calls today, its last call and its cached answers (protocol/coach.ts) */
  coach: CoachBudgetSchema.optional(),
  counters: z.object({ batches: z.number().int().min(0), petWrites: z.number().int().min(0), storeQueries: z.number().int().min(0) }).strict(),
};
const MinutesSchema = z.array(MinuteAggregateSchema).max(WINDOW_MINUTES + 5);
const RecentBatchesSchema = z.array(z.string().min(1).max(64)).max(RECENT_BATCHES);

/**
 * The reasoning function's server-only state per device, as it works with it: what the
 * next batch needs — the rolling per-minute window, the energy budget, the last state
 * hash — so a batch costs two shadow reads instead of a store query. It lives in the
 * `reasoning` named shadow's `reported` side (the device policy denies every topic of
 * this shadow), written as {@link ReasoningStateDocument}.
 */
export const ReasoningStateSchema = z
  .object({
    /** per-minute aggregates of the last WINDOW_MINUTES, oldest first */
    minutes: MinutesSchema,
    /** batch ids already handled, newest last */
    recentBatches: RecentBatchesSchema,
    ...CommonFields,
  })
  .strict();
export type ReasoningState = z.infer<typeof ReasoningStateSchema>;

/**
 * Layout 2 of the `reasoning` shadow's `reported`, the one written: the window and the
 * batch ids are one string each ({@link encodeMinutes}, {@link encodeBatchIds}). In
 * layout 1 they were arrays of objects and strings, and the shadow service keeps a
 * metadata timestamp for every leaf of an array (AWS "Array values in shadow
 * documents"). A full state (30 minutes, 48 ULID batch ids) was 5.6 KB with 331 leaves,
 * each timestamped again in the answer to every update; with two strings it is 2.7 KB
 * with 18 leaves (IoT Core meters shadow operations in 1 KB steps). Layout 1 is still
 * read.
 */
const ReasoningStateV2Schema = z
  .object({
    v: z.literal(2),
    minutes: z.string().max(8 * 1024),
    recentBatches: z.string().max(RECENT_BATCHES * 3 * 64 + RECENT_BATCHES),
    ...CommonFields,
  })
  .strict();
export type ReasoningStateDocument = z.infer<typeof ReasoningStateV2Schema>;

/** Layout 1, written by earlier versions: read, never written. */
const ReasoningStateV1Schema = z
  .object({ v: z.literal(1), minutes: MinutesSchema, recentBatches: z.array(z.string().max(64)).max(RECENT_BATCHES), ...CommonFields })
  .strict();

export function emptyReasoningState(): ReasoningState {
  return { minutes: [], recentBatches: [], counters: { batches: 0, petWrites: 0, storeQueries: 0 } };
}

/** The state as the `reasoning` shadow's `reported` holds it (layout 2). */
export function encodeReasoningState(state: ReasoningState): ReasoningStateDocument {
  const { minutes, recentBatches, ...rest } = state;
  return { v: 2, minutes: encodeMinutes(minutes), recentBatches: encodeBatchIds(recentBatches), ...rest };
}

/**
 * The state in a `reasoning` shadow's `reported` (layout 2, or 1 from an earlier
 * version); an empty state when it is absent or unreadable.
 */
export function parseReasoningState(reported: unknown): ReasoningState {
  try {
    return decodeReasoningState(reported);
  } catch {
    return emptyReasoningState();
  }
}

/** As {@link parseReasoningState}, but a state that is not valid throws the schema's error. */
export function decodeReasoningState(reported: unknown): ReasoningState {
  const layout = (reported as { v?: unknown } | null | undefined)?.v;
  if (layout === 1) {
    const { v: _layout, ...state } = ReasoningStateV1Schema.parse(reported);
    return { ...state, recentBatches: state.recentBatches.filter((id) => id.length > 0) };
  }
  const { v: _layout, minutes, recentBatches, ...rest } = ReasoningStateV2Schema.parse(reported);
  // the rest was checked just now: only what the two strings hold is left to check
  return { minutes: MinutesSchema.parse(decodeMinutes(minutes)), recentBatches: RecentBatchesSchema.parse(decodeBatchIds(recentBatches)), ...rest };
}

/** The fields of a minute in the order the window string holds them; `t` comes first. */
const MINUTE_FIELDS = ['n', 'dropped', 'hrMeanBpm', 'hrvRmssdMs', 'steps', 'cadenceSpm', 'accelG', 'skinTempC'] as const;

/**
 * The window as one string: minutes joined by `;`, each `t,n,dropped,hrMeanBpm,
 * hrvRmssdMs,steps,cadenceSpm,accelG,skinTempC` with an absent field left empty and `t`
 * in ms after the previous minute's (the first one's since the epoch). Numbers are
 * written as JavaScript writes them, so they read back exactly.
 */
export function encodeMinutes(minutes: readonly MinuteAggregate[]): string {
  let prev = 0;
  return minutes
    .map((m) => {
      const t = m.t - prev;
      prev = m.t;
      return [t, ...MINUTE_FIELDS.map((f) => m[f] ?? '')].join(',');
    })
    .join(';');
}

/**
 * Reads {@link encodeMinutes}' string back. What is not a finite number, or a field
 * count that is wrong, leaves the field as found (a string or NaN) for the schema to
 * refuse; nothing here decides what a valid minute is.
 */
export function decodeMinutes(s: string): unknown[] {
  if (s === '') return [];
  let prev = 0;
  return s.split(';').map((line) => {
    const parts = line.split(',');
    if (parts.length !== MINUTE_FIELDS.length + 1) return line;
    const out: Record<string, unknown> = {};
    prev += num(parts[0] as string);
    out.t = prev;
    MINUTE_FIELDS.forEach((f, i) => {
      const p = parts[i + 1] as string;
      if (p !== '') out[f] = num(p);
    });
    return out;
  });
}

function num(p: string): number {
  const x = p === '' ? Number.NaN : Number(p);
  return Number.isFinite(x) ? x : Number.NaN;
}

/**
 * Batch ids as one string: joined by spaces, each with `%` written `%25` and a space
 * `%20` (any other character, a lone surrogate included, stays as it is).
 */
export function encodeBatchIds(ids: readonly string[]): string {
  return ids.map((id) => id.replace(/%/g, '%25').replace(/ /g, '%20')).join(' ');
}

export function decodeBatchIds(s: string): string[] {
  if (s === '') return [];
  return s.split(' ').map((id) => id.replace(/%2[05]/g, (e) => (e === '%20' ? ' ' : '%')));
}
