import { z } from 'zod';
import { CoachBudgetSchema } from './coach';
import { BaselineSchema, MinuteAggregateSchema } from './models';

/** How many batch ids the reasoning shadow remembers for idempotency by (thing, batchId). */
export const RECENT_BATCHES = 48;
/** The rolling window the reasoning function keeps per device, in minutes. */
export const WINDOW_MINUTES = 30;

/**
 * `reasoning` named shadow, `reported` side: the reasoning function's server-only state
 * per device (the device policy denies every topic of this shadow). It carries what the
 * next batch needs — the rolling per-minute window, the energy budget, the last state
 * hash — so a batch costs two shadow reads instead of a store query.
 */
export const ReasoningStateSchema = z
  .object({
    v: z.literal(1),
    /** how many decisions were committed: each successful update adds one (the pet carries the one it shows) */
    decision: z.number().int().min(0).optional(),
    /** per-minute aggregates of the last WINDOW_MINUTES, oldest first */
    minutes: z.array(MinuteAggregateSchema).max(WINDOW_MINUTES + 5),
    /** batch ids already handled, newest last */
    recentBatches: z.array(z.string().max(64)).max(RECENT_BATCHES),
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
  })
  .strict();
export type ReasoningState = z.infer<typeof ReasoningStateSchema>;

export function emptyReasoningState(): ReasoningState {
  return { v: 1, minutes: [], recentBatches: [], counters: { batches: 0, petWrites: 0, storeQueries: 0 } };
}

/** The state in a `reasoning` shadow's `reported`; an empty state when it is absent or unreadable. */
export function parseReasoningState(reported: unknown): ReasoningState {
  const parsed = ReasoningStateSchema.safeParse(reported);
  return parsed.success ? parsed.data : emptyReasoningState();
}
