import { z } from 'zod';
import { ContextSchema, SampleSchema } from './schemas';

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

/**
 * Validates one raw input; returns the record or the human-readable reason it was
 * refused (every zod issue as `path: message`, joined by `; `).
 *
 * @example
 * validateInput({ t: 1, hr: 400 }); // { ok: false, reason: 'hr: Too big: expected number to be <=250' }
 */
export function validateInput(raw: unknown): { ok: true; record: InputRecord } | { ok: false; reason: string } {
  const r = InputRecordSchema.safeParse(raw);
  if (r.success) return { ok: true, record: r.data };
  const reason = r.error.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  return { ok: false, reason };
}
