import { z } from 'zod';
import { ContextSchema, SampleSchema } from '../protocol/telemetry';

/**
 * What one input hands the agent: a telemetry v1 sample plus, optionally, the
 * context the phone saw at that moment and the watch battery level. One JSON line on
 * stdin, one element of a `POST /samples` body, one simulator tick.
 */
export const InputRecordSchema = SampleSchema.extend({
  context: ContextSchema.optional(),
  battery: z.number().min(0).max(1).optional(),
}).strict();
export type InputRecord = z.infer<typeof InputRecordSchema>;

/** The compact form stored in the outbox (`s` sample, `c` context, `b` battery). */
export interface OutboxRecord {
  s: z.infer<typeof SampleSchema>;
  c?: z.infer<typeof ContextSchema>;
  b?: number;
}

/** Splits a validated input record into its stored form. */
export function toOutboxRecord(r: InputRecord): OutboxRecord {
  const { context, battery, ...sample } = r;
  const rec: OutboxRecord = { s: sample };
  if (context !== undefined) rec.c = context;
  if (battery !== undefined) rec.b = battery;
  return rec;
}

/** Validates one raw input; returns the record or the human-readable reason it was refused. */
export function validateInput(raw: unknown): { ok: true; record: InputRecord } | { ok: false; reason: string } {
  const r = InputRecordSchema.safeParse(raw);
  if (r.success) return { ok: true, record: r.data };
  const reason = r.error.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  return { ok: false, reason };
}
